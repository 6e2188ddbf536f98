"""What a clinic's channels are set to, for ``clinic show``: where each secret comes from (never its value),
the templates, the webhooks to give Meta and Telegram, and who has linked their Telegram."""

from __future__ import annotations

from functions.clinics.clinic import Clinic
from functions.services import Services


def _source(stored: str, variable: str, deployment_value: str) -> str:
    if stored:
        return "the clinic's own (encrypted)"
    return f"{variable} (environment)" if deployment_value else f"missing: set {variable} or the clinic's own"


def channel_status(services: Services, clinic: Clinic) -> dict:
    settings = services.settings
    status: dict = {"sms": {"transport": settings.sms_transport}}
    wa = clinic.whatsapp
    if wa is None:
        status["whatsapp"] = "off: patients who prefer WhatsApp get SMS (the reason is kept on each invite)"
    else:
        status["whatsapp"] = {
            "transport": settings.whatsapp_transport, "phone_number_id": wa.phone_number_id,
            "templates": {kind: f"{t.name} ({t.language})" for kind, t in sorted(wa.templates.items())},
            "access_token": _source(wa.access_token, "FUNNEL_WHATSAPP_TOKEN", settings.whatsapp_token),
            "app_secret": _source(wa.app_secret, "FUNNEL_WHATSAPP_APP_SECRET", settings.whatsapp_app_secret),
            "verify_token": _source(wa.verify_token, "FUNNEL_WHATSAPP_VERIFY_TOKEN", settings.whatsapp_verify_token),
            "webhook": f"{settings.hooks_base}/hooks/whatsapp/{clinic.id}"}
    tg = clinic.telegram
    if tg is None:
        status["telegram"] = "off: directors are alerted by email only"
    else:
        members = services.store.members(clinic.id)
        status["telegram"] = {
            "transport": settings.telegram_transport,
            "bot": services.bot_name(clinic) or "missing: FUNNEL_TELEGRAM_BOT",
            "token": _source(tg.token, "FUNNEL_TELEGRAM_TOKEN", settings.telegram_token),
            "webhook_secret": _source(tg.webhook_secret, "FUNNEL_TELEGRAM_WEBHOOK_SECRET",
                                      settings.telegram_webhook_secret),
            "webhook": f"{settings.hooks_base}/hooks/telegram/{clinic.id}",
            "linked": [x.email for x in services.store.telegram_links(clinic.id) if x.email in members]}
    return status


def masked_doc(doc: dict) -> dict:
    """The clinic document with every encrypted secret shown as such: safe to print, paste or log."""
    for channel in ("whatsapp", "telegram"):
        section = doc.get(channel)
        for key, value in list((section or {}).items()):
            if isinstance(value, str) and value.startswith("enc:"):
                section[key] = "enc:…"
    return doc
