"""The invitation template in Settings: checked while typed, previewed for a sample session,
saved with OK and only then."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QPlainTextEdit, QPushButton

from roomdesk.paths import app_paths
from roomdesk.sessions.invitation import DEFAULT_TEMPLATE, PLACEHOLDERS
from roomdesk.ui.app_settings import AppSettings
from roomdesk.ui.invitation_page import InvitationPage, InvitationPageTuning, sample_session
from roomdesk.ui.settings_dialog import SettingsDialog

FAST = InvitationPageTuning(check_delay_ms=20)


@pytest.fixture
def settings() -> AppSettings:
    settings = AppSettings(app_paths())
    settings.default_zone = "America/New_York"
    settings.sync()
    return settings


@pytest.fixture
def make_dialog(app_session, qtbot, settings):
    def make(**options) -> SettingsDialog:
        options.setdefault("invitation_tuning", FAST)
        dialog = SettingsDialog(app_session, settings, **options)
        qtbot.addWidget(dialog)
        dialog.open()
        qtbot.waitExposed(dialog)
        dialog.pages.setCurrentWidget(dialog.invitation)
        return dialog

    return make


@pytest.fixture
def dialog(make_dialog) -> SettingsDialog:
    return make_dialog()


def replace_template(qtbot, page: InvitationPage, text: str) -> None:
    page.template_edit.setFocus()
    page.template_edit.selectAll()
    # QTest types no line break itself: Return does.
    for number, line in enumerate(text.split("\n")):
        if number:
            qtbot.keyClick(page.template_edit, Qt.Key.Key_Return)
        qtbot.keyClicks(page.template_edit, line)


def saved() -> AppSettings:
    return AppSettings(app_paths())


# -- the stored settings -------------------------------------------------------------------------


def test_the_default_template_and_no_notes_until_chosen():
    settings = saved()
    assert settings.invitation_template == DEFAULT_TEMPLATE
    assert settings.include_notes_in_invitation is False


@pytest.mark.parametrize("stored", ["", "   \n", "Join {lable}", "a { b"])
def test_an_empty_or_broken_stored_template_reads_as_the_default(stored):
    raw = QSettings(str(app_paths().ensure().settings_file), QSettings.Format.IniFormat)
    raw.setValue("invitation/template", stored)
    raw.sync()
    assert saved().invitation_template == DEFAULT_TEMPLATE


def test_a_template_is_kept_exactly_and_the_default_is_not_stored():
    settings = saved()
    template = 'Hi, "all"; {label}\n\n@ {link}, {{not a placeholder}} 🙂\n'
    settings.invitation_template = template
    settings.include_notes_in_invitation = True
    settings.sync()
    assert saved().invitation_template == template
    assert saved().include_notes_in_invitation is True
    settings.invitation_template = DEFAULT_TEMPLATE
    settings.sync()
    raw = QSettings(str(app_paths().settings_file), QSettings.Format.IniFormat)
    assert not raw.contains("invitation/template")


# -- the page ------------------------------------------------------------------------------------


def test_the_page_shows_the_template_the_placeholders_and_a_preview(dialog):
    page = dialog.invitation
    assert page.template() == DEFAULT_TEMPLATE
    for name in PLACEHOLDERS:
        assert f"{{{name}}}" in page.placeholders.text()
    assert not page.problems.isVisible()
    preview = page.preview.toPlainText()
    # The sample session, at 14:00 in the zone the person chose.
    assert "You're invited: Coaching with Sam" in preview
    assert "When: Tuesday 8 December 2026, 14:00–15:30 (America/New_York, UTC-05:00)" in preview
    assert "Join: https://your-team.whereby.com/coaching-with-sam" in preview
    assert "Bring one question" not in preview
    assert "America/New_York" in page.preview_label.text()
    assert not page.include_notes.isChecked()
    page.include_notes.setChecked(True)
    assert "Bring one question" in page.preview.toPlainText()


def test_the_preview_follows_the_default_zone_chosen_on_the_other_page(dialog, qtbot):
    assert dialog.zone_picker.setZoneName("Asia/Tokyo")
    preview = dialog.invitation.preview.toPlainText()
    assert "14:00–15:30 (Asia/Tokyo, UTC+09:00)" in preview


def test_a_typo_is_named_while_typing_and_ok_waits(dialog, qtbot):
    page = dialog.invitation
    replace_template(qtbot, page, "Join {lable} at {link}")
    qtbot.waitUntil(lambda: page.problems.isVisible())
    assert page.problems.text() == (
        "• {lable} is not a placeholder; use one of {label}, {start}, {end}, {timezone}, "
        "{link}, {notes} (did you mean {label}?)"
    )
    assert "{lable}" in page.template_edit.accessibleDescription()
    assert not dialog.ok_button.isEnabled()
    assert dialog.pages.tabText(dialog.pages.indexOf(page)) == "&Invitation (to fix)"
    assert "no problems" in page.preview.toPlainText()

    replace_template(qtbot, page, "Join {label} at {link}")
    qtbot.waitUntil(lambda: not page.problems.isVisible())
    assert dialog.ok_button.isEnabled()
    assert dialog.pages.tabText(dialog.pages.indexOf(page)) == "&Invitation"
    assert page.preview.toPlainText() == (
        "Join Coaching with Sam at https://your-team.whereby.com/coaching-with-sam"
    )


def test_a_stray_brace_and_an_empty_template_are_problems_too(dialog, qtbot):
    page = dialog.invitation
    replace_template(qtbot, page, "Hello {")
    qtbot.waitUntil(lambda: "line 1: a { is not closed" in page.problems.text())
    page.template_edit.clear()
    qtbot.waitUntil(lambda: "the template is empty" in page.problems.text())
    assert not dialog.ok_button.isEnabled()


def test_reset_restores_the_default_template(dialog, qtbot):
    page = dialog.invitation
    replace_template(qtbot, page, "Join {lable}")
    qtbot.waitUntil(lambda: page.has_problems)
    qtbot.mouseClick(page.reset_button, Qt.MouseButton.LeftButton)
    assert page.template() == DEFAULT_TEMPLATE
    assert not page.has_problems and dialog.ok_button.isEnabled()
    assert "You're invited: Coaching with Sam" in page.preview.toPlainText()


def test_ok_saves_the_template_and_the_notes_choice(dialog, qtbot):
    page = dialog.invitation
    replace_template(qtbot, page, "Join {label}: {link}\n{notes}")
    page.include_notes.setChecked(True)
    qtbot.waitUntil(lambda: "Join Coaching with Sam:" in page.preview.toPlainText())
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert saved().invitation_template == "Join {label}: {link}\n{notes}"
    assert saved().include_notes_in_invitation is True


def test_cancel_saves_nothing(dialog, qtbot):
    replace_template(qtbot, dialog.invitation, "Join {label}")
    dialog.invitation.include_notes.setChecked(True)
    qtbot.keyClick(dialog.invitation.template_edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert saved().invitation_template == DEFAULT_TEMPLATE
    assert saved().include_notes_in_invitation is False


def test_ok_right_after_a_typo_saves_nothing_and_shows_it(make_dialog, qtbot):
    dialog = make_dialog(invitation_tuning=InvitationPageTuning(check_delay_ms=60_000))
    page = dialog.invitation
    replace_template(qtbot, page, "Join {lable}")
    dialog.pages.setCurrentIndex(0)
    assert dialog.ok_button.isEnabled()  # not checked yet
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.pages.currentWidget() is page
    assert page.problems.isVisible() and "{lable}" in page.problems.text()
    assert saved().invitation_template == DEFAULT_TEMPLATE


def test_the_page_is_used_from_the_keyboard(dialog, qtbot):
    page = dialog.invitation
    kinds = (QPlainTextEdit, QCheckBox, QPushButton)
    controls = [widget for kind in kinds for widget in page.findChildren(kind)]
    assert [type(w).__name__ for w in controls if not w.accessibleName()] == []
    page.template_edit.setFocus()
    qtbot.waitUntil(page.template_edit.hasFocus)
    seen = []
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert seen == [page.include_notes, page.reset_button, page.preview, dialog.ok_button]
    assert page.template() == DEFAULT_TEMPLATE  # the tab moved focus, it typed nothing


def test_the_sample_session_is_fixed_and_in_the_given_zone():
    zone = ZoneInfo("Europe/Oslo")
    sample = sample_session(zone)
    assert sample == sample_session(zone)
    assert (sample.start.hour, sample.start.minute, sample.start.tzinfo) == (14, 0, zone)
    assert sample.planned and sample.host_room_url is None
