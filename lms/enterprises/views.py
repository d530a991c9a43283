"""Coordinators keep the enterprise records: list, create, edit, and merge duplicates."""

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.db import db
from lms.enterprises import bp, services
from lms.enterprises.forms import EnterpriseForm, EnterpriseSearchForm, MergeForm
from lms.enterprises.models import Enterprise
from lms.enterprises.queries import people_counts
from lms.forms import ActionForm
from lms.i18n import _, ngettext
from lms.security import role_required

PER_PAGE = 50


@bp.route("/")
@role_required("coordinator")
def index():
    form = EnterpriseSearchForm(request.args)
    query = Enterprise.search((form.q.data or "") if form.validate() else "")
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    people = people_counts([e.id for e in page.items])
    return render_template(
        "enterprises/index.html",
        form=form,
        page=page,
        people=people,
        duplicates=len(services.duplicate_groups()),
    )


def _save(form: EnterpriseForm, enterprise: Enterprise | None) -> Enterprise | None:
    """The enterprise saved from the form, or None with the problem on its field."""
    try:
        if enterprise is None:
            return services.create_enterprise(**form.values())
        return services.save_enterprise(enterprise, **form.values())
    except services.EnterpriseError as error:
        db.session.rollback()
        form[error.field].errors = [*form[error.field].errors, str(error)]
        return None


@bp.route("/new", methods=["GET", "POST"])
@role_required("coordinator")
def new():
    form = EnterpriseForm()
    if form.validate_on_submit():
        enterprise = _save(form, None)
        if enterprise is not None:
            db.session.commit()
            flash(_("Enterprise %(name)s saved.", name=enterprise.name), "success")
            return redirect(url_for("enterprises.detail", enterprise_id=enterprise.id))
    return render_template(
        "enterprises/form.html", form=form, enterprise=None
    ), 400 if form.is_submitted() else 200


@bp.route("/<int:enterprise_id>", methods=["GET", "POST"])
@role_required("coordinator")
def detail(enterprise_id: int):
    enterprise = db.get_or_404(Enterprise, enterprise_id)
    form = EnterpriseForm(obj=enterprise)
    if form.validate_on_submit():
        saved = _save(form, enterprise)
        if saved is not None:
            services.audit("enterprise.edit", saved.name, enterprise=saved.id)
            db.session.commit()
            flash(_("Enterprise %(name)s saved.", name=saved.name), "success")
            return redirect(url_for("enterprises.detail", enterprise_id=saved.id))
        enterprise = db.get_or_404(Enterprise, enterprise_id)
    search = EnterpriseSearchForm(request.args)
    found = []
    if search.q.data and search.validate():
        found = [
            e for e in db.session.scalars(Enterprise.search(search.q.data).limit(20)) if e.id != enterprise.id
        ]
    merge_form = MergeForm(formdata=None, data={"keep": enterprise.id})
    merge_form.keep.choices = [(enterprise.id, enterprise.name)]
    merge_form.merge.choices = [(e.id, e.name) for e in found]
    return render_template(
        "enterprises/form.html",
        form=form,
        enterprise=enterprise,
        search=search,
        found=found,
        merge_form=merge_form,
    ), 400 if form.is_submitted() else 200


@bp.route("/merge", methods=["POST"])
@role_required("coordinator")
def merge():
    """Fold the ticked enterprises into the one to keep (from an enterprise's page or the review)."""
    form = MergeForm()
    ids = [int(value) for value in request.form.getlist("merge") if value.isdigit()]
    keep_id = request.form.get("keep", "")
    chosen = db.session.scalars(
        select(Enterprise)
        .where(Enterprise.id.in_([*ids, int(keep_id) if keep_id.isdigit() else 0]))
        .options(selectinload(Enterprise.members))
    ).all()
    form.keep.choices = form.merge.choices = [(e.id, e.name) for e in chosen]
    if not form.validate_on_submit():
        abort(400)
    keep = next(e for e in chosen if e.id == form.keep.data)
    duplicates = [e for e in chosen if e.id in form.merge.data and e.id != keep.id]
    if not duplicates:
        flash(_("Tick at least one enterprise to merge."), "error")
        return redirect(request.form.get("back") or url_for("enterprises.detail", enterprise_id=keep.id))
    people = sum(len(e.members) for e in duplicates)
    services.merge(keep, duplicates)
    db.session.commit()
    flash(
        ngettext(
            "%(num)d enterprise merged into %(name)s; its people are now there.",
            "%(num)d enterprises merged into %(name)s; their people are now there.",
            len(duplicates),
            name=keep.name,
        )
        + " "
        + ngettext("%(num)d person moved.", "%(num)d people moved.", people),
        "success",
    )
    return redirect(url_for("enterprises.detail", enterprise_id=keep.id))


@bp.route("/duplicates")
@role_required("coordinator")
def duplicates():
    groups = services.duplicate_groups()
    people = people_counts([e.id for group in groups for e in group])
    return render_template("enterprises/duplicates.html", groups=groups, people=people, form=ActionForm())


@bp.route("/duplicates/apart", methods=["POST"])
@role_required("coordinator")
def keep_apart():
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = [int(value) for value in request.form.getlist("merge") if value.isdigit()]
    chosen = list(db.session.scalars(select(Enterprise).where(Enterprise.id.in_(ids))))
    if len(chosen) < 2:
        abort(400)
    services.keep_apart(chosen)
    db.session.commit()
    flash(_("Marked as different enterprises."), "success")
    return redirect(url_for("enterprises.duplicates"))
