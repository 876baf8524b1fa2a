"""Status bar messages fit their space: shortened where it matters least, whole in a tooltip."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QMainWindow

from roomdesk.ui.status_bar import StatusBar, fit_text

LONG_LABEL = "Quarterly planning workshop for the northern region sales team"
CREATED = f"Room “{LONG_LABEL}” created. Copy its host link with Ctrl+Shift+C."


@pytest.fixture
def window(qtbot):
    main = QMainWindow()
    bar = StatusBar(main)
    main.setStatusBar(bar)
    for text in ("Demo", "Connected", "999/1000 points left this minute"):
        bar.addPermanentWidget(QLabel(text))
    qtbot.addWidget(main)
    main.resize(960, 400)
    main.show()
    qtbot.waitExposed(main)
    return main


def test_text_that_fits_is_left_alone(window) -> None:
    metrics = window.statusBar().fontMetrics()
    assert fit_text("Deleted 2 of 2 rooms.", metrics, 500) == "Deleted 2 of 2 rooms."


def test_the_longest_quoted_part_gives_way_first(window) -> None:
    metrics = window.statusBar().fontMetrics()
    width = metrics.horizontalAdvance(CREATED) - 100
    fitted = fit_text(CREATED, metrics, width)
    assert metrics.horizontalAdvance(fitted) <= width
    assert fitted.startswith("Room “Quarterly") and "…”" in fitted
    assert fitted.endswith("” created. Copy its host link with Ctrl+Shift+C.")


def test_without_room_in_the_quotes_the_end_gives_way(window) -> None:
    metrics = window.statusBar().fontMetrics()
    plain = "Could not reach Whereby: the connection was refused by the server at the other end"
    width = metrics.horizontalAdvance(plain) // 2
    fitted = fit_text(plain, metrics, width)
    assert fitted.endswith("…") and plain.startswith(fitted[:-1])
    tiny = fit_text(CREATED, metrics, metrics.horizontalAdvance("Room “Qua"))
    assert tiny.endswith("…") and metrics.horizontalAdvance(tiny) <= metrics.horizontalAdvance(
        "Room “Qua"
    )


def test_a_long_message_shows_shortened_with_the_whole_in_a_tooltip(window, qtbot) -> None:
    bar = window.statusBar()
    window.resize(850, 400)
    qtbot.waitUntil(lambda: bar.width() <= 850)
    bar.showMessage(CREATED, 10_000)
    shown = bar.currentMessage()
    assert shown != CREATED and shown.endswith("Copy its host link with Ctrl+Shift+C.")
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.message_width()
    assert bar.fullMessage() == CREATED and bar.toolTip() == CREATED
    # Room to show all of it: the whole message, and no tooltip.
    window.resize(1600, 400)
    qtbot.waitUntil(lambda: bar.currentMessage() == CREATED)
    assert bar.toolTip() == ""


def test_a_message_that_goes_takes_its_tooltip_along(window, qtbot) -> None:
    bar = window.statusBar()
    window.resize(700, 400)
    qtbot.waitUntil(lambda: bar.width() <= 700)
    bar.showMessage(CREATED, 50)
    assert bar.toolTip() == CREATED
    qtbot.waitUntil(lambda: bar.currentMessage() == "")
    assert bar.fullMessage() == "" and bar.toolTip() == ""


def test_a_permanent_widget_that_grows_fits_the_message_again(window, qtbot) -> None:
    bar = window.statusBar()
    rate = bar.findChildren(QLabel)[-1]
    window.resize(1400, 400)
    qtbot.waitUntil(lambda: bar.width() >= 1400)
    bar.showMessage(CREATED)
    qtbot.waitUntil(lambda: bar.currentMessage() == CREATED)
    # The connection text grows, as "Reading the API key from the keychain…" does.
    rate.setText("Reading the API key from the keychain… " * 3)
    qtbot.waitUntil(lambda: bar.currentMessage() != CREATED)
    shown = bar.currentMessage()
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.message_width()
    assert bar.toolTip() == CREATED
    rate.setText("999/1000")
    qtbot.waitUntil(lambda: bar.currentMessage() == CREATED)
    assert bar.toolTip() == ""
