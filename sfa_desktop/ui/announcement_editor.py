"""Writing an announcement (title, Markdown with a live preview, audience, pin, expiry, links) and seeing
who has read one (:class:`ReadByDialog`).  The audience picker offers what the user may address: the office
everyone, a role or any territory; a manager the territories they manage."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.announcements.links import Link, check
from sfa_desktop.core.errors import UserError
from sfa_desktop.ops import announcements as ann_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.failures import show_problem
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.kb_view import SafeTextBrowser
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

PREVIEW_DELAY_MS = 250
ROLES = (("rep", "Sales reps"), ("manager", "Managers"))


class AnnouncementEditor(QDialog):
    """``posted(id)`` once the announcement is saved (it goes out with the next sync)."""

    posted = Signal(str)

    def __init__(
        self,
        store: LocalStore,
        runner: TaskRunner,
        choices: ann_ops.WriterChoices,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("announcementEditor")
        self.setWindowTitle("New announcement")
        self.store = store
        self.runner = runner
        self.choices = choices
        self.links: list[Link] = []
        self.resize(980, 640)
        self.setMinimumSize(760, 520)
        self._build()
        self._preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self.body.textChanged.connect(self._preview_timer.start)
        loading = self.runner.submit(ann_ops.articles, store)
        loading.finished.connect(self._set_articles)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.title = QLineEdit()
        self.title.setPlaceholderText("Title: what it is about, in a few words")
        self.title.setMaxLength(200)
        layout.addWidget(self.title)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText(
            "Write in Markdown: **bold**, lists with -, headings with ##, links as [text](https://…)."
        )
        self.preview = named(SafeTextBrowser(), "articleBody")
        self.preview.setFrameShape(QFrame.Shape.StyledPanel)
        splitter.addWidget(self._titled("TEXT (MARKDOWN)", self.body))
        splitter.addWidget(self._titled("PREVIEW", self.preview))
        splitter.setSizes([480, 480])
        layout.addWidget(splitter, 1)

        form = QFormLayout()
        form.setHorizontalSpacing(14)
        audience = QHBoxLayout()
        self.audience_group = QButtonGroup(self)
        self.everyone = QRadioButton("Everyone")
        self.to_territory = QRadioButton("Territory")
        self.to_role = QRadioButton("Role")
        self.territory = QComboBox()
        for territory_id, name in self.choices.territories:
            self.territory.addItem(f"{name} and below", territory_id)
        self.role = QComboBox()
        for key, label in ROLES:
            self.role.addItem(label, key)
        for button in (self.everyone, self.to_territory, self.to_role):
            self.audience_group.addButton(button)
        audience.addWidget(self.everyone)
        audience.addSpacing(8)
        audience.addWidget(self.to_territory)
        audience.addWidget(self.territory)
        audience.addSpacing(8)
        audience.addWidget(self.to_role)
        audience.addWidget(self.role)
        audience.addStretch(1)
        for office_only in (self.everyone, self.to_role, self.role):
            office_only.setVisible(self.choices.office)  # managers address the territories they manage
        self.to_territory.setEnabled(bool(self.choices.territories))
        (self.everyone if self.choices.office else self.to_territory).setChecked(True)
        self.audience_group.buttonToggled.connect(lambda *_a: self._audience_changed())
        self._audience_changed()
        form.addRow("For:", audience)

        options = QHBoxLayout()
        self.pinned = QCheckBox("Pin it (on top, and on Today until read)")
        self.expires = QCheckBox("Expires after")
        self.expiry = QDateEdit(QDate.currentDate().addDays(30))
        self.expiry.setCalendarPopup(True)
        self.expiry.setMinimumDate(QDate.currentDate())
        self.expiry.setDisplayFormat("d MMM yyyy")
        self.expiry.setEnabled(False)
        self.expires.toggled.connect(self.expiry.setEnabled)
        options.addWidget(self.pinned)
        options.addSpacing(16)
        options.addWidget(self.expires)
        options.addWidget(self.expiry)
        options.addStretch(1)
        form.addRow("", options)

        links = QHBoxLayout()
        self.article = QComboBox()
        self.article.setMinimumWidth(260)
        self.article.addItem("Attach an article…", None)
        self.article.activated.connect(self._attach_article)
        self.web = QLineEdit()
        self.web.setPlaceholderText("or a web address: https://…")
        self.web.returnPressed.connect(self._attach_web)
        attach = QPushButton(icon("add"), "Attach")
        attach.clicked.connect(self._attach_web)
        links.addWidget(self.article)
        links.addWidget(self.web, 1)
        links.addWidget(attach)
        form.addRow("Links:", links)
        self.link_list = QListWidget()
        self.link_list.setMaximumHeight(70)
        self.link_list.setToolTip("Select a link and press Delete to remove it")
        self.link_list.hide()
        form.addRow("", self.link_list)
        layout.addLayout(form)

        self.problem = named(QLabel(), "dialogError")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.post_button = named(QPushButton(icon("announcements", "#ffffff"), "Post"), "primaryButton")
        buttons.addButton(self.post_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.post)
        buttons.rejected.connect(self.reject)
        for choice in buttons.buttons():  # Return never posts by accident: Ctrl+Return does
            if isinstance(choice, QPushButton):
                choice.setAutoDefault(False)
                choice.setDefault(False)
        self.post_button.setShortcut("Ctrl+Return")
        self.post_button.setToolTip("Post it (Ctrl+Return); it goes out with the next sync")
        self.title.returnPressed.connect(self.body.setFocus)
        layout.addWidget(buttons)

    @staticmethod
    def _titled(title: str, widget: QWidget) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(named(QLabel(title), "formSection"))
        layout.addWidget(widget, 1)
        return box

    def _audience_changed(self) -> None:
        self.territory.setEnabled(self.to_territory.isChecked())
        self.role.setEnabled(self.to_role.isChecked())

    def _set_articles(self, found: object) -> None:
        assert isinstance(found, list)
        for article_id, title in found:
            self.article.addItem(title, article_id)

    def _attach_article(self, index: int) -> None:
        article_id = self.article.itemData(index)
        if article_id:
            self._add_link(Link(self.article.itemText(index), f"kb:{article_id}"))
        self.article.setCurrentIndex(0)

    def _attach_web(self) -> None:
        given = self.web.text().strip()
        if not given:
            return
        try:
            self._add_link(check(given))
        except UserError as exc:
            self._say(str(exc))
            return
        self.web.clear()

    def _add_link(self, link: Link) -> None:
        if any(existing.target == link.target for existing in self.links):
            return
        self.links.append(link)
        where = "knowledge-base article" if link.article_id else link.target
        item = QListWidgetItem(icon("article" if link.article_id else "export"), f"{link.label}  —  {where}")
        self.link_list.addItem(item)
        self.link_list.show()
        self.problem.hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Delete removes the selected link; Return alone does not post (see the buttons)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            event.accept()
            return
        if (
            event.key() == Qt.Key.Key_Delete
            and self.link_list.hasFocus()
            and self.link_list.currentRow() >= 0
        ):
            row = self.link_list.currentRow()
            self.link_list.takeItem(row)
            del self.links[row]
            self.link_list.setVisible(bool(self.links))
            return
        super().keyPressEvent(event)

    def update_preview(self) -> None:
        self.preview.set_markdown(self.body.toPlainText())

    def draft(self) -> ann_ops.Draft:
        if self.to_territory.isChecked():
            audience, territory, role = "territory", self.territory.currentData(), None
        elif self.to_role.isChecked():
            audience, territory, role = "role", None, self.role.currentData()
        else:
            audience, territory, role = "everyone", None, None
        expires = self.expiry.date().toPython() if self.expires.isChecked() else None
        assert expires is None or isinstance(expires, dt.date)
        return ann_ops.Draft(
            self.title.text(),
            self.body.toPlainText(),
            audience,
            territory,
            role,
            self.pinned.isChecked(),
            expires,
            tuple(self.links),
        )

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def post(self) -> None:
        self.post_button.setEnabled(False)
        task = self.runner.submit(ann_ops.post, self.store, self.draft())
        task.finished.connect(self._posted)
        task.failed.connect(self._failed)

    def _posted(self, new_id: object) -> None:
        self.posted.emit(str(new_id))
        self.accept()

    def _failed(self, exc: object) -> None:
        self.post_button.setEnabled(True)
        if isinstance(exc, UserError):
            self._say(str(exc))  # in the dialog, next to what to fix; nothing was saved
        else:
            show_problem(self, "Not posted", exc)


class ReadByDialog(QDialog):
    """Who of the audience has read an announcement, and who has not; "Not read after N days" narrows the
    second list to those who have left it unread that long."""

    def __init__(
        self, store: LocalStore, runner: TaskRunner, announcement_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("readByDialog")
        self.setWindowTitle("Read by")
        self.store = store
        self.runner = runner
        self.announcement_id = announcement_id
        self.report: ann_ops.ReadReport | None = None
        self.resize(620, 520)
        layout = QVBoxLayout(self)
        self.heading = named(QLabel(), "formTitle")
        self.heading.setWordWrap(True)
        self.summary = named(QLabel(), "formSubtitle")
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        filters = QHBoxLayout()
        self.days_box = QCheckBox("Only those who have not read it after")
        self.days = QSpinBox()
        self.days.setRange(0, 365)
        self.days.setValue(3)
        self.days.setSuffix(" days")
        self.days.setEnabled(False)
        self.days_box.toggled.connect(self.days.setEnabled)
        self.days_box.toggled.connect(lambda _on: self.reload())
        self.days.valueChanged.connect(lambda _v: self.reload())
        filters.addWidget(self.days_box)
        filters.addWidget(self.days)
        filters.addStretch(1)
        layout.addLayout(filters)
        lists = QHBoxLayout()
        self.unread_title = named(QLabel(), "formSection")
        self.unread = QListWidget()
        self.read_title = named(QLabel(), "formSection")
        self.read = QListWidget()
        for title, widget in ((self.unread_title, self.unread), (self.read_title, self.read)):
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(widget, 1)
            lists.addLayout(column, 1)
        layout.addLayout(lists, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.reload()

    def reload(self) -> None:
        days = self.days.value() if self.days_box.isChecked() else None
        task = self.runner.submit(ann_ops.read_report, self.store, self.announcement_id, days)
        task.finished.connect(self._show)
        task.failed.connect(lambda exc: show_problem(self, "Not shown", exc))

    def _show(self, report: object) -> None:
        assert isinstance(report, ann_ops.ReadReport)
        self.report = report
        self.heading.setText(report.announcement.title)
        size = report.audience_size
        self.summary.setText(
            f"Read by {len(report.read)} of {size}  ·  for {report.announcement.audience}"
            if size
            else "Nobody you oversee is in its audience."
        )
        waiting = report.overdue if report.days is not None else report.unread
        if report.days is None:
            self.unread_title.setText(f"NOT READ ({len(waiting)})")
        else:
            self.unread_title.setText(f"NOT READ AFTER {report.days} DAYS ({len(waiting)})")
        self.unread.clear()
        for person in waiting:
            late = report.days is not None
            self.unread.addItem(
                QListWidgetItem(
                    icon("alert" if late else "contacts", "#b45309" if late else "#64748b"), person.name
                )
            )
        self.read_title.setText(f"READ ({len(report.read)})")
        self.read.clear()
        for person in report.read:
            assert person.read_at is not None
            when = person.read_at.astimezone()
            self.read.addItem(
                QListWidgetItem(icon("task", "#15803d"), f"{person.name}  ·  {when:%d %b, %H:%M}")
            )
