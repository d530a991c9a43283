"""Imports every feature's models so that Alembic and create_all see the whole schema."""

from lms.admin.models import AuditEntry, SiteSetting
from lms.announcements.models import Announcement
from lms.assignments.models import Extension, Submission, SubmissionFile
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.classroom.models import (
    AttendanceRecord,
    CheckInFailure,
    ClassSession,
    Cohort,
    CohortMember,
    Programme,
)
from lms.courses.models import Activity, Course, CourseFile, Enrolment, Module
from lms.enterprises.models import Enterprise
from lms.exports.models import ExportJob
from lms.forums.models import Post, ReadState, Report, Subscription, Thread
from lms.jobs import TaskMark
from lms.notifications.models import Notification, NotificationPreference
from lms.progress.models import Completion, CourseCompletion, GradeOverride
from lms.quizzes.models import Attempt, Question, QuestionCategory, QuizSlot, Response
from lms.scorm.models import ScormPackage, ScormTrack
from lms.surveys.models import SurveyParticipation, SurveyResponse

__all__ = [
    "Activity",
    "Announcement",
    "Extension",
    "Submission",
    "SubmissionFile",
    "AttendanceRecord",
    "CheckInFailure",
    "ClassSession",
    "Cohort",
    "CohortMember",
    "Programme",
    "Attempt",
    "AuditEntry",
    "Certificate",
    "Completion",
    "Course",
    "CourseCompletion",
    "GradeOverride",
    "CourseFile",
    "Enterprise",
    "Post",
    "ReadState",
    "Report",
    "Subscription",
    "Thread",
    "ExportJob",
    "Enrolment",
    "Module",
    "Notification",
    "NotificationPreference",
    "Question",
    "QuestionCategory",
    "QuizSlot",
    "Response",
    "ScormPackage",
    "ScormTrack",
    "SiteSetting",
    "SurveyParticipation",
    "SurveyResponse",
    "TaskMark",
    "User",
]
