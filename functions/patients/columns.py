"""The export's columns the patient register reads beyond the visit: consent to advertising, an email address,
the clinic's own note (the real reason to call) and a doctor's recommendation (a hand-off).

The import reads them with every visit (``HEADER_ALIASES`` gets these spellings; a row's values come through
``patient_columns``). A value the importer cannot read rejects the row with its reason, as SMS consent does.
"""

from __future__ import annotations

from collections.abc import Callable

from functions.clinics.ids import EMAIL

PATIENT_FIELDS = ("ad_consent", "email", "note", "referral")
# Free text a clinic's staff write with line breaks (Alt+Enter in Excel): a break there is the text's own, not
# a quote that ran on into the next row.
MULTILINE = frozenset({"note", "referral"})
PATIENT_ALIASES = {
    "ad_consent": ("advertising consent", "marketing consent", "ad consent", "согласие на рекламу",
                   "согласие на рассылку", "согласие на рекламную рассылку", "реклама", "рассылка"),
    "email": ("email", "e-mail", "e mail", "почта", "эл почта", "электронная почта", "адрес почты"),
    "note": ("note", "notes", "treatment plan", "recommendations", "примечание", "комментарий", "план лечения",
             "рекомендации", "заметка"),
    "referral": ("referral", "referred to", "next step", "направление", "направлен", "рекомендован",
                 "рекомендована", "следующий шаг", "направление к специалисту"),
}
YES = {"1", "yes", "y", "true", "да", "д", "+", "согласен", "согласна", "есть", "v", "✓"}
NO = {"0", "no", "n", "false", "нет", "н", "-", "отказ", "не согласен", "не согласна"}
LIMITS = {"email": 254, "note": 1000, "referral": 300}


def patient_columns(row: dict[str, object], fail: Callable[..., ValueError]) -> dict:
    """The row's register values for ``Visit``; raises ``fail(column, code, **values)`` (the import's row error,
    its words in ``templates/visits``) when unreadable."""
    found: dict = {}
    consent = row.get("ad_consent")
    if isinstance(consent, bool):
        found["ad_consent"] = consent
    elif consent is not None and str(consent).strip():
        value = str(consent).strip().lower()
        if value not in YES | NO:
            raise fail("ad_consent", "consent_unknown", value=str(consent)[:40])
        found["ad_consent"] = value in YES
    for name, limit in LIMITS.items():
        value = row.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise fail(name, "not_text")
        value = " ".join(value.split())
        if len(value) > limit:
            raise fail(name, "too_long", limit=limit)
        if name == "email" and value and not EMAIL.match(value):
            raise fail(name, "email_invalid", value=value[:60])
        found[name] = value
    return found
