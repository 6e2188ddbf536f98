"""The invite SMS: its words from the clinic's text or the default, and what it costs in segments."""

from __future__ import annotations

from datetime import UTC, datetime

from functions.clinics.clinic import Clinic
from functions.invites.links import invite_link
from functions.invites.segments import Segments, count_segments
from functions.store import Visit
from functions.texts import money, one_line, render, render_clinic_text

# Long-ish values, so a sample shows the worst case a clinic should plan for.
SAMPLE_VISIT = Visit(clinic_id="", visit_id="", patient_name="", phone="", visit_at=datetime(2026, 1, 1, tzinfo=UTC),
                     local_date="", expires_at=datetime(2026, 1, 1, tzinfo=UTC),
                     doctor="Константинопольская А. В.", service="Консультация терапевта")
# Past this, a text costs the clinic more than the default does: warn when it is saved.
SEGMENT_WARNING = 2
# Past this, a text is refused: every patient's SMS would cost five times or more.
SEGMENT_LIMIT = 4


def sms_context(clinic: Clinic, link: str, doctor: str = "", service: str = "",
                promised: bool | None = None) -> dict[str, str]:
    """What an invite text may say: the doctor and service only when the clinic opted in."""
    # No promise of a reward the invite was not promised (none configured, the budget or the phone's limit);
    # ``promised`` None: a sample, which shows the clinic's reward.
    offered = clinic.reward_minor > 0 if promised is None else promised
    reward = money(clinic.reward_minor, clinic.currency, clinic.locale) if offered else ""
    context = {"clinic": clinic.name, "link": link, "reward": reward}
    if clinic.sending.details:
        context.update(doctor=doctor, service=service)
    return context


def template_values(clinic: Clinic, link: str, visit: Visit | None = None, promised: bool | None = None) -> dict:
    """What the clinic's WhatsApp invite template may fill its parameters with: the same words as the SMS."""
    return sms_context(clinic, link, visit.doctor if visit else "", visit.service if visit else "", promised)


def invite_text(clinic: Clinic, link: str, visit: Visit | None = None, promised: bool | None = None) -> str:
    """The invite SMS, from the clinic's own text or the default per locale; one line, so no stray segments."""
    context = sms_context(clinic, link, visit.doctor if visit else "", visit.service if visit else "", promised)
    if clinic.sending.template:
        return one_line(render_clinic_text(clinic.sending.template, **context))
    return one_line(render(f"sms/{clinic.locale}/invite.txt", **context))


def sample_invite(clinic: Clinic, base_url: str) -> tuple[str, Segments]:
    """The invite as a patient would get it (a sample doctor and service), and what it costs in segments."""
    text = invite_text(clinic, invite_link(base_url, "x" * 12), SAMPLE_VISIT)
    return text, count_segments(text)


def invite_problems(clinic: Clinic, base_url: str) -> list[str]:
    """What is wrong with the clinic's own invite text as it will really go out (its name, our link):
    more than SEGMENT_LIMIT segments, or a text that does not render. Checked whenever it is saved."""
    from jinja2 import TemplateError

    if not clinic.sending.template:
        return []
    try:
        _, segments = sample_invite(clinic, base_url)
    except TemplateError as err:
        return [f"sending.template: {err.message or err}"]
    if segments.count > SEGMENT_LIMIT:
        return [f"sending.template: the invite SMS would take {segments.count} {segments.encoding} segments "
                f"({segments.units} characters), more than the {SEGMENT_LIMIT} allowed; shorten it"]
    return []
