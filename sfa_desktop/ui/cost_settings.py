"""The cost-to-serve settings: what each kind of activity and each order costs (activity-based costing for
customer profitability), and the thresholds of the coverage and at-risk sections."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from sfa_desktop.core.reports import settings as report_settings
from sfa_desktop.core.reports.settings import COSTS, NUMBERS, SettingError
from sfa_desktop.ops import territories as territory_ops
from sfa_desktop.store.database import LocalStore
from sfa_desktop.ui.tasks import TaskRunner
from sfa_desktop.ui.territory_dialogs import fixed_size
from sfa_desktop.ui.widgets import named


class CostSettingsDialog(QDialog):
    """``saved()`` fires once the values are stored."""

    saved = Signal()

    def __init__(self, store: LocalStore, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("costSettings")
        self.setWindowTitle("Cost to serve")
        self.store = store
        self.runner = runner
        form = QFormLayout(self)
        intro = QLabel(
            "Customer profitability subtracts from each account's gross margin what it cost to serve: every "
            "activity done for it at the cost of its kind, and every order at the order cost."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.costs: dict[str, QDoubleSpinBox] = {}
        for key, what in COSTS.items():
            box = named(QDoubleSpinBox(), f"setting_{key}")
            box.setRange(0, 1_000_000)
            box.setDecimals(2)
            box.setSingleStep(5)
            self.costs[key] = box
            form.addRow(f"Cost of {what}", box)
        self.numbers: dict[str, QSpinBox] = {}
        for key, (label, low, high) in NUMBERS.items():
            spin = named(QSpinBox(), f"setting_{key}")
            spin.setRange(low, high)
            self.numbers[key] = spin
            form.addRow(label.replace("N", "…"), spin)
        self.message = named(QLabel(), "fieldError")
        self.message.setWordWrap(True)
        form.addRow(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.buttons.setEnabled(False)
        runner.submit(territory_ops.load_costs, store).finished.connect(self._show)

    def setVisible(self, visible: bool) -> None:
        if visible and not self.property("sized"):
            fixed_size(self, 460, 30)  # fixed before the window exists (see territory_dialogs)
            self.setProperty("sized", "true")
        super().setVisible(visible)

    def _show(self, values: object) -> None:
        assert isinstance(values, dict)
        symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(values["currency"], values["currency"])
        for key, box in self.costs.items():
            box.setPrefix(f"{symbol} ")
            box.setValue(float(values[key]))
        for key, spin in self.numbers.items():
            spin.setValue(int(values[key]))
        self.buttons.setEnabled(True)

    def values(self) -> dict[str, str]:
        result = {key: f"{box.value():.2f}" for key, box in self.costs.items()}
        result.update({key: str(spin.value()) for key, spin in self.numbers.items()})
        return result

    def save(self) -> None:
        task = self.runner.submit(territory_ops.save_costs, self.store, self.values())
        task.finished.connect(self._saved)
        task.failed.connect(self._failed)

    def _saved(self, _result: object) -> None:
        self.saved.emit()
        self.accept()

    def _failed(self, exc: object) -> None:
        if isinstance(exc, SettingError):
            self.message.setText(f"{report_settings.label(exc.key)}: {exc}")
        else:
            self.message.setText(f"Not saved: {exc}")


def open_dialog(window: Any) -> CostSettingsDialog:
    """The Tools menu entry: edit the costs; the Reports page (if open) shows the new figures."""
    dialog = CostSettingsDialog(window.store, window.runner, window)
    page = getattr(window, "pages_by_key", {}).get("reports")
    if page is not None:
        dialog.saved.connect(page.refresh)
    dialog.open()
    return dialog
