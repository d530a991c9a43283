"""Real-shaped SCORM packages for the tests, written here (their shape follows ADL's and common
authoring tools' packages: manifest at the top, a SCO that finds the API by walking up its windows)."""

import io
import zipfile

MANIFEST_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="eu.sme-classroom.cashflow" version="1.1"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
                        http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="ORG-CASHFLOW">
    <organization identifier="ORG-CASHFLOW">
      <title>Cash flow for small firms</title>
      <item identifier="ITEM-QUIZ" identifierref="RES-QUIZ" isvisible="true">
        <title>Cash flow check</title>
        <adlcp:masteryscore>70</adlcp:masteryscore>
        <adlcp:datafromlms>level=1</adlcp:datafromlms>
      </item>
      <item identifier="ITEM-GLOSSARY" identifierref="RES-GLOSSARY">
        <title>Glossary</title>
      </item>
    </organization>
  </organizations>
  <resources xml:base="content/">
    <resource identifier="RES-QUIZ" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
      <file href="sco.js"/>
      <file href="style.css"/>
    </resource>
    <resource identifier="RES-GLOSSARY" type="webcontent" adlcp:scormtype="asset" href="glossary.html">
      <file href="glossary.html"/>
    </resource>
  </resources>
</manifest>
"""

MANIFEST_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="eu.sme-classroom.pricing" version="1"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
  </metadata>
  <organizations default="ORG">
    <organization identifier="ORG" adlseq:objectivesGlobalToSystem="false">
      <title>Pricing your services</title>
      <item identifier="MOD-1">
        <title>Module 1</title>
        <item identifier="SCO-1" identifierref="RES-1" parameters="?lang=el">
          <title>Τιμολόγηση</title>
          <adlcp:dataFromLMS>start</adlcp:dataFromLMS>
        </item>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-1" type="webcontent" adlcp:scormType="sco" xml:base="sco1/" href="launch.html">
      <file href="launch.html"/>
    </resource>
  </resources>
</manifest>
"""

# A SCO as authoring tools write them: find the API up the window chain, initialise, read where the
# trainee was, and on "Finish" report a score and a status, commit and finish.
SCO_JS = """
function findAPI(win) {
  var tries = 0;
  while (!win.API && win.parent && win.parent !== win && tries < 10) { tries++; win = win.parent; }
  return win.API || null;
}
var api = findAPI(window);
var out = document.getElementById("out");
function show(text) { out.textContent = text; }
if (!api) {
  show("no API");
} else {
  api.LMSInitialize("");
  var entry = api.LMSGetValue("cmi.core.entry");
  var data = api.LMSGetValue("cmi.suspend_data");
  show("entry=" + entry + " data=" + data + " name=" + api.LMSGetValue("cmi.core.student_name"));
  api.LMSSetValue("cmi.core.lesson_status", "incomplete");
  api.LMSSetValue("cmi.core.lesson_location", "page-2");
  api.LMSSetValue("cmi.suspend_data", "answers=B,C");
  api.LMSCommit("");
  document.getElementById("cookie").textContent = (function () {
    try { return "cookie:" + document.cookie; } catch (e) { return "no cookies"; }
  })();
  document.getElementById("finish").addEventListener("click", function () {
    api.LMSSetValue("cmi.core.score.raw", "85");
    api.LMSSetValue("cmi.core.score.max", "100");
    api.LMSSetValue("cmi.core.score.min", "0");
    api.LMSSetValue("cmi.core.lesson_status", "passed");
    api.LMSSetValue("cmi.interactions.0.id", "q1");
    api.LMSSetValue("cmi.interactions.0.result", "correct");
    api.LMSSetValue("cmi.core.session_time", "00:05:30");
    api.LMSSetValue("cmi.core.exit", "");
    var committed = api.LMSCommit("");
    var finished = api.LMSFinish("");
    show("finished commit=" + committed + " finish=" + finished + " error=" + api.LMSGetLastError());
  });
}
"""

SCO_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Cash flow check</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<h1>Cash flow check</h1>
<p id="out">loading</p>
<p id="cookie"></p>
<button type="button" id="finish">Finish</button>
<script src="sco.js"></script>
</body>
</html>
"""


def make_zip(files: dict[str, bytes | str], **infos) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data.encode() if isinstance(data, str) else data)
        for name, info in infos.items():
            archive.writestr(info, name)
    return buffer.getvalue()


def scorm_12_files() -> dict[str, str]:
    return {
        "imsmanifest.xml": MANIFEST_12,
        "content/index.html": SCO_HTML,
        "content/sco.js": SCO_JS,
        "content/style.css": "body { font-family: sans-serif; }\n",
        "content/glossary.html": "<html><head><title>Glossary</title></head>"
        "<body><p>Cash flow: money in and out.</p></body></html>",
    }


def scorm_12_zip() -> bytes:
    return make_zip(scorm_12_files())


def scorm_2004_zip() -> bytes:
    return make_zip({"imsmanifest.xml": MANIFEST_2004, "sco1/launch.html": "<html><body>2004</body></html>"})
