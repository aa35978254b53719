"""PrivDesk application layer: services, engines, security, CLI. No Qt widgets here."""

__version__ = "0.1.0"
APP_NAME = "PrivDesk"
APP_ID = "org.privdesk.PrivDesk"
