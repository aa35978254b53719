"""Tamper-evident audit log: forward-secure MAC chain, verifier and external anchors."""
