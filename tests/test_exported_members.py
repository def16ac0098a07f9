"""Keep ``zjj_medical.__all__`` honest (as httpx's tests/test_exported_members.py)."""

import zjj_medical


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted, and lists exactly the public names the package exports."""
    exported = [name for name in dir(zjj_medical) if not name.startswith("_")]
    modules = {n for n in exported if type(getattr(zjj_medical, n)).__name__ == "module"}
    assert sorted(zjj_medical.__all__) == zjj_medical.__all__
    assert sorted(set(exported) - modules) == zjj_medical.__all__
