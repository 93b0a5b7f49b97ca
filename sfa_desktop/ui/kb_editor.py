"""Writing an article (managers and admins): title, category, tags, products, published, and the Markdown
body beside a live preview rendered exactly as readers will see it (safely, see ``kb_view``).

Saving runs the services in one transaction on the task runner; problems come back as messages under the
form and nothing is saved.  Closing with unsaved changes asks first.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from sfa_desktop.core.kb import articles as kb
from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.ops import kb as kb_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.icons import icon
from sfa_desktop.ui.kb_view import SafeTextBrowser
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.widgets import named

PREVIEW_DELAY_MS = 150
TEMPLATE = "Write the article in Markdown.\n\n## Talking points\n- The first thing to say\n"


def ask_discard(parent: QWidget) -> bool:
    """Whether to close the editor and lose the changes (tests replace this)."""
    answer = QMessageBox.question(
        parent,
        "Unsaved changes",
        "You changed this article but did not save it.\n\nClose and lose the changes?",
        QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Discard


class ArticleEditor(QDialog):
    """``saved(id)`` once the article is stored."""

    saved = Signal(str)

    def __init__(
        self,
        store: LocalStore,
        runner: TaskRunner,
        article: kb.Article | None,
        categories: list[str],
        author_id: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.article = article
        self.author_id = author_id
        self.setWindowTitle("Edit article" if article else "New article")
        self.resize(1120, 720)
        # an explicit minimum keeps the layout from re-sending size hints as the content changes
        self.setMinimumSize(900, 600)
        self._build(categories)
        self._fill(article)
        self._dirty = False
        for signal in (
            self.title.textChanged,
            self.category.currentTextChanged,
            self.tags.textChanged,
            self.body.textChanged,
            self.products.itemChanged,
        ):
            signal.connect(self._changed)
        self.published.toggled.connect(self._changed)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self.body.textChanged.connect(self._preview_timer.start)
        self.update_preview()
        runner.submit(kb_ops.products, store).finished.connect(self._show_products)

    def _build(self, categories: list[str]) -> None:
        self.title = QLineEdit()
        self.title.setPlaceholderText("What a rep would search for")
        self.category = QComboBox()
        self.category.setEditable(True)
        self.category.addItems(["", *categories])
        line = self.category.lineEdit()
        if line is not None:
            line.setPlaceholderText("Choose or type a category")
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("Comma-separated, e.g. pricing, objections")
        self.published = QCheckBox("Published: reps see it (leave unticked for a draft)")
        self.product_filter = QLineEdit()
        self.product_filter.setPlaceholderText("Filter products…")
        self.product_filter.textChanged.connect(self._filter_products)
        self.products = QListWidget()
        self.products.setMaximumHeight(118)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Title", self.title)
        form.addRow("Category", self.category)
        form.addRow("Tags", self.tags)
        products = QVBoxLayout()
        products.setSpacing(4)
        products.addWidget(self.product_filter)
        products.addWidget(self.products)
        form.addRow("Products", products)
        form.addRow("", self.published)

        self.body = QPlainTextEdit()
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        fixed.setPointSizeF(max(fixed.pointSizeF(), 10.5))
        self.body.setFont(fixed)
        self.body.setPlaceholderText(TEMPLATE)
        self.preview = named(SafeTextBrowser(), "articleBody")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        for heading, widget in (("Markdown", self.body), ("Preview", self.preview)):
            pane = QWidget()
            column = QVBoxLayout(pane)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(4)
            label = named(QLabel(heading.upper()), "formSection")
            column.addWidget(label)
            column.addWidget(widget, 1)
            splitter.addWidget(pane)
        splitter.setSizes([560, 560])

        self.banner = named(QLabel(), "formBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.save_button = named(QPushButton(icon("save", "#ffffff"), "Save"), "primaryButton")
        self.save_button.setDefault(True)
        cancel = QPushButton("Cancel")
        buttons = QHBoxLayout()
        hint = named(QLabel("Markdown: # heading, **bold**, - list, [link](other-article.md)"), "formStamp")
        buttons.addWidget(hint)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addLayout(form)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        self.preview.setFont(QFont(self.font()))

    def _fill(self, article: kb.Article | None) -> None:
        self._chosen_products: set[str] = set(article.product_ids) if article else set()
        if article is None:
            self.published.setChecked(True)
            return
        self.title.setText(article.title)
        self.category.setCurrentText(article.category)
        self.tags.setText(", ".join(article.tags))
        self.published.setChecked(article.published)
        self.body.setPlainText(article.body)

    def _show_products(self, rows: object) -> None:
        assert isinstance(rows, list)
        self.products.blockSignals(True)
        for product_id, sku, name in rows:
            item = QListWidgetItem(f"{sku}  {name}")
            item.setData(Qt.ItemDataRole.UserRole, product_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = product_id in self._chosen_products
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.products.addItem(item)
        self.products.blockSignals(False)

    def _filter_products(self, typed: str) -> None:
        wanted = typed.strip().lower()
        for row in range(self.products.count()):
            item = self.products.item(row)
            item.setHidden(bool(wanted) and wanted not in item.text().lower())

    def chosen_products(self) -> list[str]:
        found = []
        for row in range(self.products.count()):
            item = self.products.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                found.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return found if self.products.count() else sorted(self._chosen_products)

    def _changed(self, *_args: object) -> None:
        self._dirty = True

    @property
    def dirty(self) -> bool:
        return self._dirty

    def update_preview(self) -> None:
        self.preview.set_markdown(self.body.toPlainText())

    # -- saving ---------------------------------------------------------------------------------

    def values(self) -> dict[str, object]:
        return {
            "title": self.title.text(),
            "category": self.category.currentText(),
            "tags": self.tags.text(),
            "body": self.body.toPlainText(),
            "published": self.published.isChecked(),
            "product_ids": self.chosen_products(),
        }

    def save(self) -> None:
        self.save_button.setEnabled(False)
        self.banner.hide()
        article_id = self.article.id if self.article else None
        task = self.runner.submit(kb_ops.save, self.store, article_id, self.values(), self.author_id)
        task.finished.connect(self._saved)
        task.failed.connect(self._failed)

    def _saved(self, article_id: object) -> None:
        self._dirty = False
        self.saved.emit(str(article_id))
        self.accept()

    def _failed(self, exc: object) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            message = " ".join(exc.errors.values())
        else:
            message = f"The article was not saved: {exc}"
        self.banner.setText(message)
        self.banner.show()

    def reject(self) -> None:
        if self._dirty and not ask_discard(self):
            return
        super().reject()
