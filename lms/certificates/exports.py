"""The bulk certificate export: an export job (lms.exports.tasks) renders the ZIP, never the web worker."""

from pathlib import Path

from lms.certificates.models import Certificate
from lms.db import db
from lms.exports.models import ExportJob


def certificates_zip(job: ExportJob, target: Path, progress, processes: int) -> None:
    """The runner of "certificates" jobs: the ZIP of the certificates of job.params' course and status."""
    from lms.certificates import services

    params = job.params
    certificates: list[Certificate] = list(
        db.session.scalars(
            services.certificates_query(course_id=params.get("course_id"), status=params.get("status", ""))
        )
    )
    job.total = len(certificates)
    db.session.commit()
    services.export_zip(certificates, target, processes=processes, progress=progress)
