"""Moodle's own files read as Moodle writes them: course backups (.mbz) become course packages.

Not a blueprint: the authoring pages and the `lms import-moodle-backup` command call `lms.moodle.backup`.
"""
