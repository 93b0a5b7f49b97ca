"""Settings: the central store (URL, login, password into the keyring), the sync interval, the phone region,
the distance unit of call sheets.

The same dialog is the first-run prompt when this laptop is not connected; it can be skipped, the app works
fully offline.
"""

from __future__ import annotations

import phonenumbers
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from sfa_desktop.core.errors import UserError
from sfa_desktop.core.settings import region_unit
from sfa_desktop.ops import settings as settings_ops
from sfa_desktop.ops import sync as sync_ops
from sfa_desktop.store.database import LocalStore


class SettingsDialog(QDialog):
    def __init__(self, store: LocalStore, parent: QWidget | None = None, *, first_run: bool = False) -> None:
        super().__init__(parent)
        self.store = store
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Connect to the central store" if first_run else "Settings")
        #: A password the keyring could not keep: the caller may hold it in memory for this session.
        self.unsaved_password: str | None = None
        st = sync_ops.sync_state(store)
        values = settings_ops.all_settings(store)
        form = QFormLayout(self)
        if first_run:
            intro = QLabel(
                "This laptop is not connected to a central store yet. Connect to share your work with your "
                "team, or skip: everything works offline and you can connect later in Settings."
            )
            intro.setWordWrap(True)
            form.addRow(intro)
        self.url = QLineEdit(st.url or "")
        self.url.setObjectName("centralUrl")
        self.url.setPlaceholderText("postgresql://server/sfa or the path of a SQLite central store")
        self.login = QLineEdit(st.login or "")
        self.login.setObjectName("login")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(
            "kept in this computer's keyring; leave empty to keep the current one"
        )
        self.interval = QSpinBox()
        self.interval.setObjectName("syncInterval")
        self.interval.setRange(1, 24 * 60)
        self.interval.setSuffix(" min")
        self.interval.setValue(int(values["sync_interval_minutes"]))
        self.region = QComboBox()
        self.region.setObjectName("phoneRegion")
        for code in sorted(phonenumbers.SUPPORTED_REGIONS):
            self.region.addItem(code, code)
        self.region.setCurrentIndex(max(self.region.findData(values["phone_region"]), 0))
        self.distance = QComboBox()
        self.distance.setObjectName("distanceUnit")
        self.distance.setToolTip("The unit of the distances on call sheets.")
        self.distance.addItem("", "auto")
        self.distance.addItem("Kilometres", "km")
        self.distance.addItem("Miles", "mi")
        self.distance.setCurrentIndex(max(self.distance.findData(values["distance_unit"]), 0))
        self._show_automatic_unit()
        self.region.currentIndexChanged.connect(self._show_automatic_unit)
        form.addRow("Central store", self.url)
        form.addRow("Login", self.login)
        form.addRow("Password", self.password)
        form.addRow("Sync every", self.interval)
        form.addRow("Phone region", self.region)
        form.addRow("Distances in", self.distance)
        self.message = QLabel()
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        form.addRow(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        if first_run:
            cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
            cancel.setText("Skip — work offline")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._connected = (st.url or "", st.login or "")

    def _show_automatic_unit(self) -> None:
        """'Automatic' says what it means for the phone region chosen: miles in the US, else kilometres."""
        unit = region_unit(str(self.region.currentData()))
        shown = "miles" if unit == "mi" else "kilometres"
        self.distance.setItemText(0, f"Automatic ({shown}, from the phone region)")

    def accept(self) -> None:
        self.message.setText("")
        try:
            self.save()
        except (UserError, ValueError) as exc:
            self.message.setText(str(exc))
            return
        super().accept()

    def save(self) -> None:
        url, login, password = self.url.text().strip(), self.login.text().strip(), self.password.text()
        if url and not login:
            raise ValueError("Enter your login on the central store.")
        if url and ((url, login) != self._connected or password):
            if sync_ops.needs_password(url) and not password:
                password = sync_ops.saved_password(url, login) or ""
                if not password:
                    raise ValueError("Enter the password for the central store.")
            connected = sync_ops.connect(self.store, url, login, password or None)
            if password and connected.keyring_problem is not None:
                self.unsaved_password = password
        settings_ops.put(
            self.store,
            {
                "sync_interval_minutes": str(self.interval.value()),
                "phone_region": str(self.region.currentData()),
                "distance_unit": str(self.distance.currentData()),
            },
        )
