/* The SCORM run-time API inside the package's frame: window.API (SCORM 1.2) or window.API_1484_11
 * (SCORM 2004), added by the server to every HTML page of a package (lms/scorm/views.py).
 *
 * The frame is sandboxed without allow-same-origin, so a SCO cannot reach the LMS page the usual way
 * (window.parent.API). This script answers it in its own window instead: GetValue from the values the
 * server sent with the page (the trainee's stored data, so a SCO resumes on any device), SetValue checked
 * against the data model here (an error code at once) and kept, Commit and Finish posted to the player
 * page, which stores them with the trainee's session (static/js/scorm-player.js). The server checks
 * every value again (lms/scorm/cmi.py mirrors these rules). A classic script, not a module: it must run
 * before the page's own scripts look for the API.
 */
(function () {
  "use strict";
  var holder = document.getElementById("lms-scorm-state");
  if (!holder || window.API || window.API_1484_11) return;
  var state = JSON.parse(holder.textContent);
  var v12 = state.version === "1.2";
  var values = state.values || {};
  var counts = state.counts || {};
  var parentOrigin = state.parent;
  var pending = [];
  var phase = "new"; // new -> running -> done
  var lastError = 0;
  var diagnostic = "";

  // --- value types (as in lms/scorm/cmi.py) -----------------------------------------------------
  var DECIMAL = /^-?\d{1,10}(\.\d{1,10})?$/;
  var TIMESPAN12 = /^(\d{2,4}):([0-5]\d):([0-5]\d)(\.\d{1,2})?$/;
  var TIME12 = /^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,2})?$/;
  var DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?$/;
  var TIMESTAMP = /^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,2})?)?)?(Z|[+-]\d{2}(:\d{2})?)?)?)?)?$/;
  var ID12 = /^[^\s]{1,255}$/;

  function string(limit) { return function (x) { return x.length > limit ? "type" : null; }; }
  function vocabulary(words) { return function (x) { return words.indexOf(x) === -1 ? "type" : null; }; }
  function decimal(low, high, blank) {
    return function (x) {
      if (x === "" && blank) return null;
      if (!DECIMAL.test(x)) return "type";
      var n = parseFloat(x);
      if ((low !== undefined && low !== null && n < low) || (high !== undefined && high !== null && n > high)) return "range";
      return null;
    };
  }
  function integer(low, high) {
    return function (x) {
      if (!/^-?\d{1,4}$/.test(x)) return "type";
      var n = parseInt(x, 10);
      return n < low || n > high ? "range" : null;
    };
  }
  function pattern(re) { return function (x) { return re.test(x) ? null : "type"; }; }
  function duration(x) { return DURATION.test(x) && x !== "P" && x !== "PT" && x.slice(-1) !== "T" ? null : "type"; }
  function id2004(x) { return x.length > 0 && x.length <= 4000 && x.trim() !== "" ? null : "type"; }
  function result(words) { return function (x) { return words.indexOf(x) !== -1 ? null : decimal()(x); }; }

  var STATUS = ["passed", "completed", "failed", "incomplete", "browsed", "not attempted"];
  var R = "r", W = "w", RW = "rw";
  var E12 = {
    "cmi.core.student_id": [R], "cmi.core.student_name": [R], "cmi.core.credit": [R], "cmi.core.entry": [R],
    "cmi.core.total_time": [R], "cmi.core.lesson_mode": [R], "cmi.launch_data": [R], "cmi.comments_from_lms": [R],
    "cmi.student_data.mastery_score": [R], "cmi.student_data.max_time_allowed": [R],
    "cmi.student_data.time_limit_action": [R],
    "cmi.core.lesson_location": [RW, string(255)],
    "cmi.core.lesson_status": [RW, vocabulary(STATUS.slice(0, 5))],
    "cmi.core.score.raw": [RW, decimal(0, 100, true)],
    "cmi.core.score.min": [RW, decimal(0, 100, true)],
    "cmi.core.score.max": [RW, decimal(0, 100, true)],
    "cmi.core.exit": [W, vocabulary(["time-out", "suspend", "logout", ""])],
    "cmi.core.session_time": [W, pattern(TIMESPAN12)],
    "cmi.suspend_data": [RW, string(4096)],
    "cmi.comments": [RW, string(4096)],
    "cmi.student_preference.audio": [RW, integer(-1, 100)],
    "cmi.student_preference.language": [RW, string(255)],
    "cmi.student_preference.speed": [RW, integer(-100, 100)],
    "cmi.student_preference.text": [RW, integer(-1, 1)],
    "cmi.objectives.n.id": [RW, pattern(ID12)],
    "cmi.objectives.n.score.raw": [RW, decimal(0, 100, true)],
    "cmi.objectives.n.score.min": [RW, decimal(0, 100, true)],
    "cmi.objectives.n.score.max": [RW, decimal(0, 100, true)],
    "cmi.objectives.n.status": [RW, vocabulary(STATUS)],
    "cmi.interactions.n.id": [W, pattern(ID12)],
    "cmi.interactions.n.objectives.m.id": [W, pattern(ID12)],
    "cmi.interactions.n.time": [W, pattern(TIME12)],
    "cmi.interactions.n.type": [W, vocabulary(["true-false", "choice", "fill-in", "matching", "performance",
      "sequencing", "likert", "numeric"])],
    "cmi.interactions.n.correct_responses.m.pattern": [W, string(255)],
    "cmi.interactions.n.weighting": [W, decimal()],
    "cmi.interactions.n.student_response": [W, string(255)],
    "cmi.interactions.n.result": [W, result(["correct", "wrong", "unanticipated", "neutral"])],
    "cmi.interactions.n.latency": [W, pattern(TIMESPAN12)]
  };
  var K12 = {
    "cmi._version": "3.4",
    "cmi.core._children": "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time",
    "cmi.core.score._children": "raw,min,max",
    "cmi.objectives._children": "id,score,status",
    "cmi.student_data._children": "mastery_score,max_time_allowed,time_limit_action",
    "cmi.student_preference._children": "audio,language,speed,text",
    "cmi.interactions._children": "id,objectives,time,type,correct_responses,weighting,student_response,result,latency",
    "cmi.objectives.n.score._children": "raw,min,max"
  };
  var SCORE = { scaled: decimal(-1, 1), raw: decimal(), min: decimal(), max: decimal() };
  var COMPLETION = vocabulary(["completed", "incomplete", "not attempted", "unknown"]);
  var SUCCESS = vocabulary(["passed", "failed", "unknown"]);
  var E2004 = {
    "cmi.learner_id": [R], "cmi.learner_name": [R], "cmi.credit": [R], "cmi.entry": [R], "cmi.mode": [R],
    "cmi.total_time": [R], "cmi.launch_data": [R], "cmi.completion_threshold": [R],
    "cmi.scaled_passing_score": [R], "cmi.max_time_allowed": [R], "cmi.time_limit_action": [R],
    "cmi.location": [RW, string(1000)],
    "cmi.completion_status": [RW, COMPLETION],
    "cmi.success_status": [RW, SUCCESS],
    "cmi.exit": [W, vocabulary(["time-out", "suspend", "logout", "normal", ""])],
    "cmi.session_time": [W, duration],
    "cmi.suspend_data": [RW, string(64000)],
    "cmi.progress_measure": [RW, decimal(0, 1)],
    "cmi.learner_preference.audio_level": [RW, decimal(0)],
    "cmi.learner_preference.language": [RW, string(250)],
    "cmi.learner_preference.delivery_speed": [RW, decimal(0)],
    "cmi.learner_preference.audio_captioning": [RW, vocabulary(["-1", "0", "1"])],
    "cmi.objectives.n.id": [RW, id2004],
    "cmi.objectives.n.success_status": [RW, SUCCESS],
    "cmi.objectives.n.completion_status": [RW, COMPLETION],
    "cmi.objectives.n.progress_measure": [RW, decimal(0, 1)],
    "cmi.objectives.n.description": [RW, string(250)],
    "cmi.interactions.n.id": [RW, id2004],
    "cmi.interactions.n.type": [RW, vocabulary(["true-false", "choice", "fill-in", "long-fill-in", "matching",
      "performance", "sequencing", "likert", "numeric", "other"])],
    "cmi.interactions.n.objectives.m.id": [RW, id2004],
    "cmi.interactions.n.timestamp": [RW, pattern(TIMESTAMP)],
    "cmi.interactions.n.correct_responses.m.pattern": [RW, string(4000)],
    "cmi.interactions.n.weighting": [RW, decimal()],
    "cmi.interactions.n.learner_response": [RW, string(4000)],
    "cmi.interactions.n.result": [RW, result(["correct", "incorrect", "unanticipated", "neutral"])],
    "cmi.interactions.n.latency": [RW, duration],
    "cmi.interactions.n.description": [RW, string(250)],
    "adl.nav.request": [RW, string(200)]
  };
  Object.keys(SCORE).forEach(function (name) {
    E2004["cmi.score." + name] = [RW, SCORE[name]];
    E2004["cmi.objectives.n.score." + name] = [RW, SCORE[name]];
  });
  var K2004 = {
    "cmi._version": "1.0",
    "cmi.score._children": "scaled,raw,min,max",
    "cmi.objectives._children": "id,score,success_status,completion_status,progress_measure,description",
    "cmi.objectives.n.score._children": "scaled,raw,min,max",
    "cmi.learner_preference._children": "audio_level,language,delivery_speed,audio_captioning",
    "cmi.interactions._children": "id,type,objectives,timestamp,correct_responses,weighting,learner_response,result,latency,description"
  };
  var ELEMENTS = v12 ? E12 : E2004;
  var KEYWORDS = v12 ? K12 : K2004;
  var LIMITS = { "cmi.interactions": 250, "cmi.objectives": 100 };

  var ERRORS = {
    undefined: [401, 401], argument: [201, 201], read_only: [403, 404], write_only: [404, 405],
    keyword: [402, 404], type: [405, 406], range: [405, 407], index: [201, 351], dependency: [201, 408],
    children: [202, 301], count: [203, 301], not_set: [0, 403], get_index: [201, 301], empty: [201, 301]
  };
  var TEXTS = v12 ? {
    0: "No error", 101: "General exception", 201: "Invalid argument error", 202: "Element cannot have children",
    203: "Element not an array - cannot have count", 301: "Not initialized", 401: "Not implemented error",
    402: "Invalid set value, element is a keyword", 403: "Element is read only", 404: "Element is write only",
    405: "Incorrect data type"
  } : {
    0: "No Error", 101: "General Exception", 102: "General Initialization Failure", 103: "Already Initialized",
    104: "Content Instance Terminated", 111: "General Termination Failure", 112: "Termination Before Initialization",
    113: "Termination After Termination", 122: "Retrieve Data Before Initialization",
    123: "Retrieve Data After Termination", 132: "Store Data Before Initialization", 133: "Store Data After Termination",
    142: "Commit Before Initialization", 143: "Commit After Termination", 201: "General Argument Error",
    301: "General Get Failure", 351: "General Set Failure", 391: "General Commit Failure",
    401: "Undefined Data Model Element", 402: "Unimplemented Data Model Element",
    403: "Data Model Element Value Not Initialized", 404: "Data Model Element Is Read Only",
    405: "Data Model Element Is Write Only", 406: "Data Model Element Type Mismatch",
    407: "Data Model Element Value Out Of Range", 408: "Data Model Dependency Not Established"
  };

  function fail(kind, detail) {
    lastError = ERRORS[kind][v12 ? 0 : 1];
    diagnostic = detail || "";
    return lastError;
  }

  // "cmi.interactions.3.objectives.0.id" -> pattern "cmi.interactions.n.objectives.m.id" and its arrays
  function resolve(name) {
    var match = /^(cmi\.(?:objectives|interactions))\.(\d{1,4})\.(.+)$/.exec(name);
    if (!match) return { pattern: name };
    var found = { array: match[1], index: parseInt(match[2], 10) };
    var inner = /^(objectives|correct_responses)\.(\d{1,4})\.(.+)$/.exec(match[3]);
    if (inner) {
      found.pattern = match[1] + ".n." + inner[1] + ".m." + inner[3];
      found.inner = match[1] + "." + match[2] + "." + inner[1];
      found.innerIndex = parseInt(inner[2], 10);
    } else {
      found.pattern = match[1] + ".n." + match[3];
    }
    return found;
  }

  function countOf(array) { return counts[array] || 0; }

  function getValue(name) {
    name = String(name);
    if (name === "") { fail("empty", "no element named"); return ""; }
    var keyword = /^(.+)\._(children|count)$/.exec(name);
    if (keyword) {
      var base = resolve(keyword[1] + ".x").pattern.slice(0, -2);
      if (keyword[2] === "children") {
        var children = KEYWORDS[name] || KEYWORDS[base + "._children"];
        if (children) { lastError = 0; return children; }
      } else if (/^cmi\.(interactions|objectives)$/.test(keyword[1]) ||
          /^cmi\.interactions\.\d{1,4}\.(objectives|correct_responses)$/.test(keyword[1])) {
        lastError = 0;
        return String(countOf(keyword[1]));
      }
      var known = Object.keys(ELEMENTS).some(function (e) { return e === base || e.indexOf(base + ".") === 0; });
      fail(known ? keyword[2] : "undefined", name);
      return "";
    }
    if (KEYWORDS[name] !== undefined) { lastError = 0; return KEYWORDS[name]; }
    var element = resolve(name);
    var known = ELEMENTS[element.pattern];
    if (!known) { fail("undefined", name); return ""; }
    if (known[0] === W) { fail("write_only", name); return ""; }
    if (element.array && element.index >= countOf(element.array)) { fail("get_index", name); return ""; }
    if (Object.prototype.hasOwnProperty.call(values, name)) { lastError = 0; return String(values[name]); }
    if (v12) { lastError = 0; return ""; }
    fail("not_set", name);
    return "";
  }

  function setError(name, value) {
    if (name === "") return "empty";
    if (name.indexOf("cmi.") !== 0 && name.indexOf("adl.") !== 0) return v12 ? "argument" : "undefined";
    var element = resolve(name);
    if (KEYWORDS[name] !== undefined || KEYWORDS[element.pattern] !== undefined || /\._(count|children)$/.test(name)) {
      return "keyword";
    }
    var known = ELEMENTS[element.pattern];
    if (!known) return "undefined";
    if (known[0] === R) return "read_only";
    var problem = known[1] ? known[1](value) : null;
    if (problem) return problem;
    if (element.array) {
      if (element.index > countOf(element.array) || element.index >= LIMITS[element.array]) return "index";
      if (element.inner && element.innerIndex > countOf(element.inner)) return "index";
      var record = element.array + "." + element.index + ".id";
      if (!v12 && !/\.n\.id$/.test(element.pattern) && !has(record)) return "dependency";
    }
    return null;
  }

  var written = {}; // element names set in this page, readable or not (for the dependency rule)
  function has(name) { return Object.prototype.hasOwnProperty.call(values, name) || written[name]; }

  function setValue(name, value) {
    name = String(name);
    value = String(value);
    var problem = setError(name, value);
    if (problem) { fail(problem, name); return false; }
    var element = resolve(name);
    if (element.array && element.index === countOf(element.array)) counts[element.array] = element.index + 1;
    if (element.inner && element.innerIndex === countOf(element.inner)) counts[element.inner] = element.innerIndex + 1;
    var known = ELEMENTS[element.pattern];
    if (known[0] !== W) values[name] = value;
    written[name] = true;
    pending.push([name, value]);
    lastError = 0;
    return true;
  }

  function post(finish) {
    var message = { lmsScorm: 1, type: "commit", values: pending, finish: !!finish };
    pending = [];
    try {
      window.parent.postMessage(message, parentOrigin);
    } catch (e) {
      return false;
    }
    return true;
  }

  // Each call below answers in the form its version's SCOs expect ("true"/"false" strings in both).
  function initialize(arg) {
    if (String(arg) !== "") { fail("argument"); return "false"; }
    if (phase === "running") { lastError = v12 ? 101 : 103; return "false"; }  // 1.2 has no better code
    if (phase === "done") { lastError = v12 ? 101 : 104; return "false"; }
    phase = "running";
    lastError = 0;
    return "true";
  }

  function finish(arg) {
    if (String(arg) !== "") { fail("argument"); return "false"; }
    if (phase !== "running") { lastError = v12 ? 301 : (phase === "new" ? 112 : 113); return "false"; }
    phase = "done";
    lastError = 0;
    return post(true) ? "true" : "false";
  }

  function get(name) {
    if (phase !== "running") { lastError = v12 ? 301 : (phase === "new" ? 122 : 123); return ""; }
    return getValue(name);
  }

  function set(name, value) {
    if (phase !== "running") { lastError = v12 ? 301 : (phase === "new" ? 132 : 133); return "false"; }
    return setValue(name, value) ? "true" : "false";
  }

  function commit(arg) {
    if (String(arg) !== "") { fail("argument"); return "false"; }
    if (phase !== "running") { lastError = v12 ? 301 : (phase === "new" ? 142 : 143); return "false"; }
    lastError = 0;
    return post(false) ? "true" : "false";
  }

  function lastErrorCode() { return String(lastError); }
  function errorString(code) { return TEXTS[parseInt(code, 10)] || ""; }
  function errorDiagnostic(code) {
    var text = errorString(code === "" || code === undefined ? lastError : code);
    return diagnostic && (code === "" || code === undefined || parseInt(code, 10) === lastError)
      ? text + ": " + diagnostic
      : text;
  }

  // A page left without LMSFinish still sends what it set.
  window.addEventListener("pagehide", function () {
    if (phase === "running" && pending.length) post(false);
  });

  if (v12) {
    window.API = {
      LMSInitialize: initialize, LMSFinish: finish, LMSGetValue: get, LMSSetValue: set, LMSCommit: commit,
      LMSGetLastError: lastErrorCode, LMSGetErrorString: errorString, LMSGetDiagnostic: errorDiagnostic
    };
  } else {
    window.API_1484_11 = {
      Initialize: initialize, Terminate: finish, GetValue: get, SetValue: set, Commit: commit,
      GetLastError: lastErrorCode, GetErrorString: errorString, GetDiagnostic: errorDiagnostic,
      version: "1.0"
    };
  }
})();
