"""Email through an SMTP server (for clinics that host Otklik themselves): text and HTML alternatives."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from functions.transports.base import Email, TransportError

TIMEOUT = 20


class SmtpEmail:
    def __init__(self, host: str, port: int, sender: str, *, user: str = "", password: str = "",
                 security: str = "starttls") -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.security = user, password, security

    def message(self, email: Email) -> EmailMessage:
        """The MIME message; EmailMessage refuses CR/LF in a header, so no field can inject one."""
        message = EmailMessage()
        try:
            message["From"] = self.sender
            message["To"] = ", ".join(email.to)
            message["Subject"] = email.subject
            if email.reply_to:
                message["Reply-To"] = ", ".join(email.reply_to)
            if email.unsubscribe:
                message["List-Unsubscribe"] = f"<{email.unsubscribe}>"
                message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        except ValueError as err:
            raise TransportError(f"SMTP: unsafe header ({err})", permanent=True) from None
        message["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[-1].strip("> "))
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        return message

    def send(self, email: Email) -> str:
        message = self.message(email)
        try:
            if self.security == "ssl":
                server: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT,
                                                        context=ssl.create_default_context())
            else:
                server = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
            with server:
                if self.security == "starttls":
                    server.starttls(context=ssl.create_default_context())
                if self.user:
                    server.login(self.user, self.password)
                server.send_message(message)
        except smtplib.SMTPResponseException as err:
            # 5xx is the server's final word on this message; 4xx (greylisting, a full queue) passes.
            raise TransportError(f"SMTP {err.smtp_code}: {err.smtp_error!r}", permanent=err.smtp_code >= 500) from None
        except smtplib.SMTPRecipientsRefused as err:
            codes = [code for code, _ in err.recipients.values()]
            raise TransportError(f"SMTP refused the recipients: {codes}",
                                 permanent=all(code >= 500 for code in codes)) from None
        except (smtplib.SMTPException, OSError) as err:
            raise TransportError(f"SMTP unreachable: {type(err).__name__}") from None
        return str(message["Message-ID"])
