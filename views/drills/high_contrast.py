"""The high-contrast style of the drills pane (Ctrl+Shift+H), for projectors in a war room."""

HIGH_CONTRAST = """
QWidget { background: #000000; color: #ffffff; font-size: 13pt; }
QLineEdit, QPlainTextEdit, QTextEdit, QTextBrowser, QComboBox, QSpinBox, QTableView,
QListWidget { background: #000000; color: #ffffff; border: 2px solid #ffff00; }
QPushButton { background: #1a1a1a; color: #ffff00; border: 2px solid #ffff00; padding: 6px 10px; }
QPushButton:focus, QLineEdit:focus, QTableView:focus { border: 3px solid #00ffff; }
QPushButton:disabled { color: #808080; border-color: #808080; }
QHeaderView::section { background: #000000; color: #ffff00; border: 1px solid #ffff00; }
QTableView { selection-background-color: #ffff00; selection-color: #000000;
             alternate-background-color: #202020; }
QLabel#overdue { color: #ff6666; }
QCheckBox::indicator { border: 2px solid #ffff00; width: 14px; height: 14px; }
QCheckBox::indicator:checked { background: #ffff00; }
QTabBar::tab { background: #000000; color: #ffffff; border: 2px solid #ffffff; padding: 6px 12px; }
QTabBar::tab:selected { color: #000000; background: #ffff00; }
"""
