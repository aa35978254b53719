from app.wording import counted


def test_counted_agrees_in_number() -> None:
    assert counted(1, "item") == "1 item"
    assert counted(0, "item") == "0 items"
    assert counted(2, "already-decided item") == "2 already-decided items"
    assert counted(3, "person", "people") == "3 people"
