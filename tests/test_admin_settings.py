"""The settings an owner edits: every clinic setting has its field, problems in Russian under the form's labels,
Google under «только довольным» warned with a one-click switch, and each platform link open to check."""

from __future__ import annotations

import re

from tests.admin_helpers import csrf_of
from tests.conftest import NOW


def form_of(client) -> dict:
    page = client.get("/admin/c/c1/settings").get_data(as_text=True)
    fields = dict(re.findall(r'<input name="([\w-]+)"[^>]*value="([^"]*)"', page))
    fields.update(re.findall(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', page))
    fields.update(csrf=csrf_of(client, "/admin/c/c1/settings"), locale="ru", policy="gated", primary="order",
                  threshold="4", earned_by="tap")
    return fields


def test_every_clinic_setting_has_its_field_and_is_saved(client, owner) -> None:
    form = form_of(client)
    assert {"alert_wait_minutes", "phone", "pay_days", "sender_id", "offer-waiting", "offer-price"} <= set(form)
    form.update(alert_wait_minutes="25", phone="+7 495 123-45-67", pay_days="5", sender_id="Zdorovie",
                **{"offer-waiting": "В следующий визит дарим скидку 10%.", "offer-price": ""})
    assert client.post("/admin/c/c1/settings", data=form).status_code == 303
    clinic = owner.clinic("c1")
    assert (clinic.alert_wait_minutes, clinic.phone, clinic.reward.pay_days, clinic.sender_id) == (
        25, "+7 495 123-45-67", 5, "Zdorovie")
    assert clinic.offers == {"waiting": "В следующий визит дарим скидку 10%."}
    page = client.get("/admin/c/c1/settings").get_data(as_text=True)
    assert 'name="offer-waiting" maxlength="200" value="В следующий визит дарим скидку 10%."' in page
    # Each label says what its field is: no two fields share one.
    labels = [text for label in re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)
              if (text := re.sub(r"<[^>]+>.*?(?=<|$)|\s+", " ", label).strip())]
    assert len(labels) > 30 and len(labels) == len(set(labels)), [x for x in labels if labels.count(x) > 1]


def test_problems_name_the_field_as_the_form_labels_it(client, owner) -> None:
    form = form_of(client)
    answer = client.post("/admin/c/c1/settings", data={**form, "alert_wait_minutes": "90", "phone": "звоните",
                                                        "template": "{{ doctor }} ждёт отзыва: {{ link }}"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Ждать слов пациента перед письмом, мин — целое число от 0 до 60" in page
    assert "Телефон клиники — номер клиники так, как его набирают пациенты" in page
    assert "Текст SMS — {{ doctor }} можно писать, только если отмечено «Можно называть врача и услугу»" in page
    preview = client.get("/admin/c/c1/sms-preview", query_string={"template": "{{ link "})
    assert preview.status_code == 400 and preview.get_json()["problems"][0].startswith("Текст SMS — ")
    bad_yandex = client.post("/admin/c/c1/platforms", data={"csrf": form["csrf"], "action": "add",
                                                            "type": "yandex_maps", "url": "https://maps.example.com/r"})
    assert "Площадка 4 «Яндекс Карты»: адрес страницы отзывов — это не адрес площадки «Яндекс Карты»" in \
        bad_yandex.get_data(as_text=True)


def test_google_under_gated_is_warned_and_opened_in_one_click(client, owner) -> None:
    csrf = csrf_of(client, "/admin/c/c1/settings")
    assert 'id="gating"' not in client.get("/admin/c/c1/settings").get_data(as_text=True)
    client.post("/admin/c/c1/platforms", data={"csrf": csrf, "action": "add", "type": "google",
                                               "url": "https://search.google.com/local/writereview?placeid=ChIJ"})
    page = client.get("/admin/c/c1/settings").get_data(as_text=True)
    assert 'id="gating"' in page and "<b>Google</b> запрещает просить отзывы только у довольных" in page
    switched = client.post("/admin/c/c1/settings/policy", data={"csrf": csrf, "policy": "open"})
    assert switched.status_code == 303 and owner.clinic("c1").policy == "open"
    assert 'id="gating"' not in client.get("/admin/c/c1/settings").get_data(as_text=True)
    assert owner.store.list_audit("c1", 5)[0].what == "settings"


def test_each_platform_link_opens_to_check_and_an_odd_one_is_flagged(client, owner) -> None:
    csrf = csrf_of(client, "/admin/c/c1/settings")
    client.post("/admin/c/c1/platforms", data={"csrf": csrf, "action": "add", "type": "yandex_maps",
                                               "name": "Яндекс (Север)",
                                               "url": "https://yandex.ru/maps/org/zdorovie_sever/987654/"})
    page = client.get("/admin/c/c1/settings").get_data(as_text=True)
    assert ('href="https://yandex.ru/maps/org/1124715036/reviews/" target="_blank" rel="noopener noreferrer"'
            in page)
    flagged = re.findall(r'<li data-platform="([\w-]+)">.*?</li>', page, re.S)
    odd = [pid for pid in flagged if 'data-shape="off"' in page.split(f'data-platform="{pid}"')[1].split("</li>")[0]]
    assert odd == ["yandex-maps"]  # the organisation's page, not its reviews tab
    assert "https://yandex.ru/maps/org/&lt;номер организации&gt;/reviews/" in page


def test_the_import_report_speaks_the_dashboards_language_for_an_english_speaking_clinic(client, owner) -> None:
    import io

    owner.store.put_clinic("c1", {**owner.clinic("c1").to_doc(), "locale": "en"}, NOW)
    data = "ФИО;Телефон;Дата приёма\nБорис;12;23.11.2026 09:30\n".encode()
    answer = client.post("/admin/c/c1/import", data={"csrf": csrf_of(client, "/admin/c/c1/import"),
                                                     "file": (io.BytesIO(data), "export.csv")},
                         content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert "номер неполный или такого не бывает: «12»" in page and "not a valid phone number" not in page
