"""Builds Moodle course backups (.mbz) in memory, shaped like what Moodle 4.x and 3.x write
(moodle_backup.xml, sections/, activities/, questions.xml, files.xml, files/<hash>): every file is an
XML string written here, so the tests carry no one else's backup."""

import hashlib
import io
import tarfile
import zipfile
from html import escape

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% a small test file\n%%EOF\n"


def _x(text: str) -> str:
    return escape(text, quote=False)


def _activity_entry(module_id, section_id, modname, title):
    return (
        f"<activity><moduleid>{module_id}</moduleid><sectionid>{section_id}</sectionid>"
        f"<modulename>{modname}</modulename><title>{_x(title)}</title>"
        f"<directory>activities/{modname}_{module_id}</directory><insubsection></insubsection></activity>"
    )


def _module_xml(module_id, modname, section_id, visible=1):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<module id="{module_id}" version="2024100700">'
        f"<modulename>{modname}</modulename><sectionid>{section_id}</sectionid><sectionnumber>1</sectionnumber>"
        f"<idnumber></idnumber><added>1751299802</added><score>0</score><indent>0</indent>"
        f"<visible>{visible}</visible><visibleoncoursepage>1</visibleoncoursepage><completion>0</completion>"
        f"<availability>$@NULL@$</availability><showdescription>0</showdescription><lang></lang></module>"
    )


class Backup:
    """Add sections, activities, questions and files; `mbz()` gives the archive's bytes."""

    def __init__(self, fullname="Digital marketing basics", shortname="DM101", lang="", summary=""):
        self.fullname, self.shortname, self.lang, self.summary = fullname, shortname, lang, summary
        self.sections = []  # (id, number, name, summary, [module ids])
        self.activities = []  # (module id, section id, modname, title, xml, extra files)
        self.files = []  # files.xml entries
        self.blobs = {}
        self.categories = {}  # id -> (name, [question xml])
        self.extra = {}
        self.next_context = 500

    def section(self, section_id, number, name="$@NULL@$", summary=""):
        self.sections.append((section_id, number, name, summary, []))
        return section_id

    def _section(self, section_id):
        return next(s for s in self.sections if s[0] == section_id)

    def activity(self, section_id, module_id, modname, title, inner, visible=1, extra=None):
        """`inner` is the XML inside <modname id=...> after <name>."""
        self.next_context += 1
        context = self.next_context
        xml = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<activity id="{module_id + 1000}" moduleid="{module_id}" '  # noqa: E501
            f'modulename="{modname}" contextid="{context}">\n  <{modname} id="{module_id + 1000}">\n'
            f"    <name>{_x(title)}</name>\n{inner}\n  </{modname}>\n</activity>"
        )
        self.activities.append((module_id, section_id, modname, title, xml, visible, extra or {}))
        self._section(section_id)[4].append(module_id)
        return context

    def page(self, section_id, module_id, title, html, intro="", visible=1):
        inner = (
            f"<intro>{_x(intro)}</intro><introformat>1</introformat><content>{_x(html)}</content>"
            f"<contentformat>1</contentformat><legacyfiles>0</legacyfiles><display>5</display>"
            '<displayoptions>a:2:{s:10:"printintro";s:1:"0";s:17:"printlastmodified";s:1:"1";}</displayoptions>'
            "<revision>1</revision><timemodified>1751299802</timemodified>"
        )
        return self.activity(section_id, module_id, "page", title, inner, visible)

    def label(self, section_id, module_id, html):
        inner = (
            f"<intro>{_x(html)}</intro><introformat>1</introformat><timemodified>1680581863</timemodified>"
        )
        return self.activity(section_id, module_id, "label", html[:40], inner)

    def url(self, section_id, module_id, title, url):
        inner = (
            f"<intro></intro><introformat>1</introformat><externalurl>{_x(url)}</externalurl>"
            "<display>1</display><displayoptions>a:1:{s:10:&quot;printintro&quot;;i:0;}</displayoptions>"
            "<parameters>a:0:{}</parameters><timemodified>1751300039</timemodified>"
        )
        return self.activity(section_id, module_id, "url", title, inner)

    def resource(self, section_id, module_id, title, filename, data, mimetype):
        inner = (
            "<intro></intro><introformat>1</introformat><tobemigrated>0</tobemigrated><display>0</display>"
        )
        context = self.activity(section_id, module_id, "resource", title, inner)
        self.file(context, "mod_resource", "content", filename, data, mimetype)
        return context

    def quiz(self, section_id, module_id, title, slots, settings="", gradepass=None, version4=True):
        """`slots`: question bank entry ids (Moodle 4) or question ids (Moodle 3); ("random", n) for a
        random slot."""
        instances = []
        for slot, ref in enumerate(slots, start=1):
            if isinstance(ref, tuple):
                reference = (
                    '<question_set_reference id="9"><usingcontextid>1</usingcontextid><component>mod_quiz'
                    "</component><questionarea>slot</questionarea><questionscontextid>1</questionscontextid>"
                    '<filtercondition>{"questioncategoryid":"1"}</filtercondition></question_set_reference>'
                )
            elif version4:
                reference = (
                    f'<question_reference id="{slot}"><usingcontextid>1</usingcontextid><component>mod_quiz'
                    f"</component><questionarea>slot</questionarea><questionbankentryid>{ref}"
                    "</questionbankentryid><version>$@NULL@$</version></question_reference>"
                )
            else:
                reference = f"<questionid>{ref}</questionid>"
            instances.append(
                f'<question_instance id="{slot}"><quizid>1</quizid><slot>{slot}</slot><page>{slot}</page>'
                f"<requireprevious>0</requireprevious><maxmark>1.0000000</maxmark>{reference}</question_instance>"
            )
        defaults = {
            "timeopen": "0",
            "timeclose": "0",
            "timelimit": "0",
            "attempts_number": "0",
            "grademethod": "1",
            "reviewattempt": "69888",
            "reviewcorrectness": "69888",
            "reviewmarks": "69888",
            "reviewspecificfeedback": "69888",
            "reviewgeneralfeedback": "69888",
            "reviewrightanswer": "69888",
            "reviewoverallfeedback": "4352",
            "questionsperpage": "1",
            "shuffleanswers": "1",
        }
        for item in settings.split(",") if settings else ():
            key, value = item.split("=")
            defaults[key] = value
        inner = (
            "<intro></intro><introformat>1</introformat>"
            + "".join(f"<{k}>{v}</{k}>" for k, v in defaults.items())
            + "<overduehandling>autosubmit</overduehandling><preferredbehaviour>deferredfeedback"
            "</preferredbehaviour><navmethod>free</navmethod><sumgrades>3.00000</sumgrades><grade>10.00000</grade>"
            f"<question_instances>{''.join(instances)}</question_instances>"
            "<sections><section id='1'><firstslot>1</firstslot><heading></heading>"
            "<shufflequestions>0</shufflequestions></section></sections><feedbacks></feedbacks>"
        )
        extra = {}
        if gradepass is not None:
            extra["grades.xml"] = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<activity_gradebook><grade_items><grade_item id="7">'
                "<categoryid>1</categoryid><itemname>Quiz</itemname><itemtype>mod</itemtype>"
                "<itemmodule>quiz</itemmodule><iteminstance>1</iteminstance><itemnumber>0</itemnumber>"
                f"<grademax>10.00000</grademax><grademin>0.00000</grademin><gradepass>{gradepass}</gradepass>"
                "</grade_item></grade_items></activity_gradebook>"
            )
        return self.activity(section_id, module_id, "quiz", title, inner, extra=extra)

    def file(self, context, component, filearea, filename, data, mimetype, filepath="/"):
        contenthash = hashlib.sha1(data, usedforsecurity=False).hexdigest()  # Moodle's contenthash
        self.blobs[contenthash] = data
        self.files.append(
            f'<file id="{len(self.files) + 1}"><contenthash>{contenthash}</contenthash><contextid>{context}'
            f"</contextid><component>{component}</component><filearea>{filearea}</filearea><itemid>0</itemid>"
            f"<filepath>{filepath}</filepath><filename>{_x(filename)}</filename><userid>2</userid>"
            f"<filesize>{len(data)}</filesize><mimetype>{mimetype}</mimetype><status>0</status>"
            "<source>$@NULL@$</source><author>Admin User</author><license>unknown</license>"
            "<sortorder>0</sortorder><repositorytype>$@NULL@$</repositorytype><reference>$@NULL@$</reference></file>"
        )
        # the directory entry Moodle writes beside every file area
        self.files.append(
            f'<file id="{len(self.files) + 1}"><contenthash>da39a3ee5e6b4b0d3255bfef95601890afd80709</contenthash>'  # noqa: E501
            f"<contextid>{context}</contextid><component>{component}</component><filearea>{filearea}</filearea>"
            "<itemid>0</itemid><filepath>/</filepath><filename>.</filename><filesize>0</filesize></file>"
        )

    def question(self, category, entry_id, question_id, qtype, name, text, plugin, parent=0, fmt=1):
        xml = (
            f'<question id="{question_id}"><parent>{parent}</parent><name>{_x(name)}</name>'
            f"<questiontext>{_x(text)}</questiontext><questiontextformat>{fmt}</questiontextformat>"
            "<generalfeedback></generalfeedback><generalfeedbackformat>1</generalfeedbackformat>"
            f"<defaultmark>1.0000000</defaultmark><penalty>0.3333333</penalty><qtype>{qtype}</qtype>"
            f"<length>1</length><stamp>x</stamp><timecreated>1</timecreated><timemodified>1</timemodified>"
            f"{plugin}<question_hints></question_hints><tags></tags></question>"
        )
        if entry_id is None:  # Moodle 3: questions straight in the category
            self.categories.setdefault(category, []).append(("v3", xml))
        else:
            entry = (
                f'<question_bank_entry id="{entry_id}"><questioncategoryid>1</questioncategoryid>'
                f"<idnumber>$@NULL@$</idnumber><ownerid>2</ownerid><question_version>"
                f'<question_versions id="{question_id}"><version>1</version><status>ready</status>'
                f"<questions>{xml}</questions></question_versions></question_version></question_bank_entry>"
            )
            self.categories.setdefault(category, []).append(("v4", entry))

    def xml_files(self) -> dict[str, str]:
        activities = "".join(_activity_entry(m, s, mod, t) for m, s, mod, t, *_ in self.activities)
        sections = "".join(
            f"<section><sectionid>{sid}</sectionid><title>{_x(name)}</title>"
            f"<directory>sections/section_{sid}</directory></section>"
            for sid, _n, name, _s, _m in self.sections
        )
        out = {
            "moodle_backup.xml": (
                '<?xml version="1.0" encoding="UTF-8"?>\n<moodle_backup>\n  <information>\n'
                "    <name>backup-moodle2-course-34-dm101-20250630-1814-nu.mbz</name>\n"
                "    <moodle_version>2024100700</moodle_version><moodle_release>4.5</moodle_release>\n"
                f"    <original_course_fullname>{_x(self.fullname)}</original_course_fullname>\n"
                f"    <original_course_shortname>{_x(self.shortname)}</original_course_shortname>\n"
                f"    <contents>\n      <activities>{activities}</activities>\n"
                f"      <sections>{sections}</sections>\n"
                "      <course><courseid>34</courseid><title>DM101</title><directory>course</directory></course>\n"  # noqa: E501
                "    </contents>\n    <settings></settings>\n  </information>\n</moodle_backup>\n"
            ),
            "course/course.xml": (
                '<?xml version="1.0" encoding="UTF-8"?>\n<course id="34" contextid="396">'
                f"<shortname>{_x(self.shortname)}</shortname><fullname>{_x(self.fullname)}</fullname>"
                f"<idnumber></idnumber><summary>{_x(self.summary)}</summary><summaryformat>1</summaryformat>"
                f"<format>topics</format><lang>{self.lang}</lang><theme></theme></course>"
            ),
            "files.xml": f'<?xml version="1.0" encoding="UTF-8"?>\n<files>{"".join(self.files)}</files>',
        }
        for sid, number, name, summary, modules in self.sections:
            out[f"sections/section_{sid}/section.xml"] = (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<section id="{sid}"><number>{number}</number>'
                f"<name>{_x(name)}</name><summary>{_x(summary)}</summary><summaryformat>1</summaryformat>"
                f"<sequence>{','.join(str(m) for m in modules)}</sequence><visible>1</visible></section>"
            )
        for module_id, section_id, modname, _title, xml, visible, extra in self.activities:
            folder = f"activities/{modname}_{module_id}"
            out[f"{folder}/{modname}.xml"] = xml
            out[f"{folder}/module.xml"] = _module_xml(module_id, modname, section_id, visible)
            out[f"{folder}/inforef.xml"] = '<?xml version="1.0" encoding="UTF-8"?>\n<inforef></inforef>'
            for name, text in extra.items():
                out[f"{folder}/{name}"] = text
        categories = []
        for number, (name, items) in enumerate(self.categories.items(), start=1):
            v4 = "".join(xml for kind, xml in items if kind == "v4")
            v3 = "".join(xml for kind, xml in items if kind == "v3")
            categories.append(
                f'<question_category id="{number}"><name>{_x(name)}</name><contextid>1</contextid>'
                f"<contextlevel>50</contextlevel><info></info><infoformat>0</infoformat><parent>0</parent>"
                + (f"<question_bank_entries>{v4}</question_bank_entries>" if v4 else "")
                + (f"<questions>{v3}</questions>" if v3 else "")
                + "</question_category>"
            )
        out["questions.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<question_categories>\n'
            + "\n".join(categories)
            + "\n</question_categories>"
        )
        out.update(self.extra)
        return out

    def members(self) -> dict[str, bytes]:
        members = {name: text.encode() for name, text in self.xml_files().items()}
        for contenthash, data in self.blobs.items():
            members[f"files/{contenthash[:2]}/{contenthash}"] = data
        return members

    def mbz(self, kind="tgz") -> bytes:
        buffer = io.BytesIO()
        if kind == "zip":
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in self.members().items():
                    archive.writestr(name, data)
            return buffer.getvalue()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for name, data in self.members().items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return buffer.getvalue()


def answers(*items):
    """<answers> of (text, fraction, feedback) tuples, ids from 100."""
    return (
        "<answers>"
        + "".join(
            f'<answer id="{100 + i}"><answertext>{_x(text)}</answertext><answerformat>1</answerformat>'
            f"<fraction>{fraction}</fraction><feedback>{_x(feedback)}</feedback><feedbackformat>1</feedbackformat></answer>"
            for i, (text, fraction, feedback) in enumerate(items)
        )
        + "</answers>"
    )


def sample_backup() -> Backup:
    """A course as a trainer would back it up: a general section with a label, two topics with a page
    (an image, a link to the other page, a script), a link, a PDF, a forum, an assignment and a quiz of
    every kind of question Moodle has here, plus one it has not and a random slot."""
    backup = Backup(summary="<p>Learn to <b>reach</b> customers online.</p>")
    general = backup.section(100, 0)
    first = backup.section(101, 1, "Know your customer", "<p>Who buys from you.</p>")
    second = backup.section(102, 2, "Reach them")
    backup.label(general, 10, "<h3>Welcome!</h3><p>Start with the first topic.</p>")
    context = backup.page(
        first,
        11,
        "Who buys from you?",
        "<h2>Personas</h2><p>A <strong>persona</strong> is a sketch of a customer.</p>"
        '<p><img src="@@PLUGINFILE@@/persona%20map.png" alt="A persona map"></p>'
        '<p>Next: <a href="$@PAGEVIEWBYID*14@$">channels</a>.</p>'
        "<script>alert('x')</script><ul><li>Age</li><li>Needs</li></ul>"
        '<iframe src="https://video.example.org/embed/1"></iframe>',
    )
    backup.file(context, "mod_page", "content", "persona map.png", PNG, "image/png")
    backup.url(first, 12, "Eurostat on SMEs", "https://ec.europa.eu/eurostat")
    backup.resource(first, 13, "Slides", "slides.pdf", PDF, "application/pdf")
    backup.page(second, 14, "Channels", "<p>Social media, e-mail, <em>search</em>.</p>")
    backup.activity(second, 15, "forum", "Questions and answers", "<intro></intro><type>general</type>")
    backup.activity(second, 16, "assign", "Your marketing plan", "<intro>Write a plan.</intro>")
    backup.quiz(
        second,
        17,
        "Check your knowledge",
        [1, 2, 3, 4, 5, 6, 7, 8, ("random", 1)],
        settings="timelimit=900,attempts_number=2,grademethod=3,reviewrightanswer=16,questionsperpage=2",
        gradepass="7.00000",
    )
    category = "Default for DM101"
    backup.question(
        category, 1, 21, "multichoice", "Persona", "<p>What is a persona?</p>",
        "<plugin_qtype_multichoice_question>"
        + answers(("<p>A sketch of a customer</p>", "1.0000000", "Right."), ("<p>A logo</p>", "0.0000000", ""))  # noqa: E501
        + "<multichoice id='1'><layout>0</layout><single>1</single><shuffleanswers>1</shuffleanswers>"
        "</multichoice></plugin_qtype_multichoice_question>",
    )  # fmt: skip
    backup.question(
        category, 2, 22, "truefalse", "Email", "<p>E-mail marketing is free of rules.</p>",
        "<plugin_qtype_truefalse_question>"
        + answers(("True", "0.0000000", "GDPR applies."), ("False", "1.0000000", ""))
        + "<truefalse id='1'><trueanswer>100</trueanswer><falseanswer>101</falseanswer></truefalse>"
        "</plugin_qtype_truefalse_question>",
    )  # fmt: skip
    backup.question(
        category, 3, 23, "shortanswer", "Acronym", "<p>SEO stands for search engine ...?</p>",
        "<plugin_qtype_shortanswer_question>" + answers(("optimisation", "1.0000000", ""), ("optimization", "1.0000000", ""))  # noqa: E501
        + "<shortanswer id='1'><usecase>0</usecase></shortanswer></plugin_qtype_shortanswer_question>",
    )  # fmt: skip
    backup.question(
        category, 4, 24, "numerical", "Budget", "<p>10 % of 2000 €?</p>",
        "<plugin_qtype_numerical_question>" + answers(("200", "1.0000000", ""))
        + "<numerical_units></numerical_units><numerical_options></numerical_options>"
        "<numerical_records><numerical_record id='1'><answer>100</answer><tolerance>0.5</tolerance>"
        "</numerical_record></numerical_records></plugin_qtype_numerical_question>",
    )  # fmt: skip
    backup.question(
        category, 5, 25, "match", "Channels", "<p>Match the channel to its use.</p>",
        "<plugin_qtype_match_question><matchoptions id='1'><shuffleanswers>1</shuffleanswers></matchoptions>"
        "<matches>"
        + "".join(
            f"<match id='{i}'><code>0</code><questiontext>{_x(q)}</questiontext><questiontextformat>1"
            f"</questiontextformat><answertext>{a}</answertext></match>"
            for i, (q, a) in enumerate([("<p>Newsletter</p>", "Email"), ("<p>Ads</p>", "Search"), ("<p>Posts</p>", "Social")])  # noqa: E501
        )
        + "</matches></plugin_qtype_match_question>",
    )  # fmt: skip
    backup.question(
        category, 6, 26, "essay", "Your customer", "<p>Describe your best customer.</p>",
        "<plugin_qtype_essay_question><essay id='1'><responseformat>editor</responseformat></essay>"
        "</plugin_qtype_essay_question>",
    )  # fmt: skip
    backup.question(
        category, 7, 27, "multianswer", "Fill in", "<p>The capital of Greece is {#1} and 2+2 is {#2}.</p>",
        "<plugin_qtype_multianswer_question><answers></answers><multianswer id='1'><question>27</question>"
        "<sequence>28,29</sequence></multianswer></plugin_qtype_multianswer_question>",
    )  # fmt: skip
    backup.question(
        category, 71, 28, "shortanswer", "Fill in", "{1:SHORTANSWER:=Athens}",
        "<plugin_qtype_shortanswer_question>" + answers(("Athens", "1.0000000", ""))
        + "</plugin_qtype_shortanswer_question>", parent=27,
    )  # fmt: skip
    backup.question(
        category, 72, 29, "numerical", "Fill in", "{1:NUMERICAL:=4:0}",
        "<plugin_qtype_numerical_question>" + answers(("4", "1.0000000", "")) + "</plugin_qtype_numerical_question>",  # noqa: E501
        parent=27,
    )  # fmt: skip
    backup.question(
        category, 8, 30, "ddwtos", "Drag", "<p>Drag [[1]] here.</p>", "<plugin_qtype_ddwtos_question></plugin_qtype_ddwtos_question>"  # noqa: E501
    )  # fmt: skip
    return backup
