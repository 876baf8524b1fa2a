"""The Invitation page of Settings: the template invitations are written from, checked while it
is typed, and a preview of it filled in for a sample session."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from roomdesk.sessions.facts import SessionFacts
from roomdesk.sessions.invitation import (
    DEFAULT_TEMPLATE,
    PLACEHOLDER_LIST,
    PLACEHOLDERS,
    render,
    template_problems,
)
from roomdesk.ui.form_rows import small_label
from roomdesk.ui.timezone_picker import negative_color


class InvitationPageTuning(NamedTuple):
    # How long typing must pause before the template is checked and the preview redrawn.
    check_delay_ms: int = 150


def sample_session(zone: ZoneInfo) -> SessionFacts:
    """The session the preview fills in: always the same, at 14:00 in the person's zone."""
    start = datetime(2026, 12, 8, 14, 0, tzinfo=zone)
    return SessionFacts(
        meeting_id="sample",
        label="Coaching with Sam",
        notes="Bring one question you would like to work on.",
        room_url="https://your-team.whereby.com/coaching-with-sam",
        viewer_room_url=None,
        host_room_url=None,
        room_mode="normal",
        start=start,
        end=start + timedelta(minutes=90),
        planned=True,
        zone=zone,
    )


class InvitationPage(QWidget):
    """Edits a template; ``problemsChanged(has_problems)`` says when it can or cannot be saved."""

    problemsChanged = Signal(bool)

    def __init__(
        self,
        template: str,
        include_notes: bool,
        zone: ZoneInfo,
        parent: QWidget | None = None,
        *,
        tuning: InvitationPageTuning | None = None,
    ) -> None:
        super().__init__(parent)
        self._sample = sample_session(zone)
        self._has_problems = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval((tuning or InvitationPageTuning()).check_delay_ms)
        self._timer.timeout.connect(self.check)

        self.template_edit = QPlainTextEdit()
        self.template_edit.setObjectName("templateEdit")
        self.template_edit.setAccessibleName("Invitation template")
        # Tab moves on: the keyboard must be able to leave the editor.
        self.template_edit.setTabChangesFocus(True)
        self.template_edit.setPlainText(template)
        self.template_edit.textChanged.connect(self._timer.start)
        template_label = QLabel("Invitation te&xt; each room's invitation is made from it:")
        template_label.setBuddy(self.template_edit)

        self.placeholders = small_label("placeholderLine")
        self.placeholders.setText(
            f"Placeholders: {PLACEHOLDER_LIST}; write {{{{ and }}}} for a brace as text."
        )
        self.placeholders.setToolTip(
            "\n".join(f"{{{name}}}: {meaning}" for name, meaning in PLACEHOLDERS.items())
        )
        self.placeholders.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = small_label("templateProblems")
        self.problems.setAccessibleName("Problems in the template")
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems.hide()

        self.include_notes = QCheckBox("Include the room's &notes")
        self.include_notes.setObjectName("includeNotesCheck")
        self.include_notes.setAccessibleName("Include the room's notes in invitations")
        self.include_notes.setChecked(include_notes)
        self.include_notes.toggled.connect(lambda _on: self.check())
        self.reset_button = QPushButton("Reset to &default")
        self.reset_button.setObjectName("resetTemplateButton")
        self.reset_button.setAccessibleName("Reset the invitation template to the default")
        self.reset_button.setAutoDefault(False)
        self.reset_button.clicked.connect(self.reset)
        row = QHBoxLayout()
        row.addWidget(self.include_notes)
        row.addStretch(1)
        row.addWidget(self.reset_button)

        self.preview = QPlainTextEdit()
        self.preview.setObjectName("invitationPreview")
        self.preview.setReadOnly(True)
        self.preview.setTabChangesFocus(True)
        self.preview.setAccessibleName("Preview of the invitation for a sample session")
        self.preview_label = QLabel()
        self.preview_label.setBuddy(self.preview)

        # Tall enough for the default template and its preview to show whole, side by side
        # with the settings of the other page.
        self.setMinimumSize(560, 600)
        layout = QVBoxLayout(self)
        layout.addWidget(template_label)
        layout.addWidget(self.template_edit, 1)
        layout.addWidget(self.placeholders)
        layout.addWidget(self.problems)
        layout.addLayout(row)
        layout.addWidget(self.preview_label)
        layout.addWidget(self.preview, 1)
        self.set_zone(zone)

    def set_zone(self, zone: ZoneInfo) -> None:
        """Show the sample session in ``zone`` (the default zone chosen a moment ago)."""
        self._sample = sample_session(zone)
        self.preview_label.setText(f"&Preview, for a sample session in {zone.key}:")
        self.check()

    def template(self) -> str:
        return self.template_edit.toPlainText()

    @property
    def has_problems(self) -> bool:
        return self._has_problems

    def reset(self) -> None:
        self.template_edit.setPlainText(DEFAULT_TEMPLATE)
        self.check()

    def check(self) -> bool:
        """Check the template now, show what is wrong or the preview; True when it can be
        saved."""
        self._timer.stop()
        template = self.template()
        problems = template_problems(template)
        if not template.strip():
            problems = ["the template is empty; write one, or reset it to the default"]
        self.problems.setText("\n".join(f"• {problem}" for problem in problems))
        self.problems.setVisible(bool(problems))
        self.template_edit.setAccessibleDescription("; ".join(problems))
        self._apply_colour()
        if not problems:
            invitation = render(
                self._sample, template, include_notes=self.include_notes.isChecked()
            )
            self.preview.setPlainText(invitation.text)
        else:
            self.preview.setPlainText("(The preview returns once the template has no problems.)")
        if bool(problems) != self._has_problems:
            self._has_problems = bool(problems)
            self.problemsChanged.emit(self._has_problems)
        return not problems

    def _apply_colour(self) -> None:
        palette = self.problems.palette()
        palette.setColor(QPalette.ColorRole.WindowText, negative_color(self.palette()))
        self.problems.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Palette changes can arrive while __init__ is still building the widgets.
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "preview"):
            self._apply_colour()
