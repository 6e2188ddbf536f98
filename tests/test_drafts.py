"""The director's draft, word by word: first name and patronymic (never the surname), the clinic's name as
written, thanks only for words that were written, offers only the clinic set, and a call instead of an
SMS reply nobody can receive."""

from __future__ import annotations

import pytest

from functions.cases.names import read_name
from functions.cases.replies import greeting, suggested_reply
from functions.clinics.clinic import parse_clinic

# Names as clinics' files have them: ФИО in Russian order, other orders, split columns joined by the importer,
# English order, one word, double-barrelled surnames and names, ё, Turkic patronymics, initials, all capitals.
NAMES = [
    ("Петрова Мария Ивановна", "Мария Ивановна, здравствуйте!", "f"),
    ("ИВАНОВ ПЁТР СЕМЁНОВИЧ", "Пётр Семёнович, здравствуйте!", "m"),
    ("Мария Ивановна Петрова", "Мария Ивановна, здравствуйте!", "f"),
    ("Сидоренко Анна Олеговна", "Анна Олеговна, здравствуйте!", "f"),
    ("Ким Виктор", "Виктор, здравствуйте!", "m"),
    ("Мария Петрова", "Мария, здравствуйте!", "f"),
    ("Римский-Корсаков Николай Андреевич", "Николай Андреевич, здравствуйте!", "m"),
    ("Петрова-Водкина Анна-Мария Сергеевна", "Анна-Мария Сергеевна, здравствуйте!", "f"),
    ("Алиев Гусейн Лутфияр оглы", "Гусейн Лутфияр оглы, здравствуйте!", "m"),
    ("Мамедова Гюльнара Ильхам кызы", "Гюльнара Ильхам кызы, здравствуйте!", "f"),
    ("Ёлкин Артём Фёдорович", "Артём Фёдорович, здравствуйте!", "m"),
    ("Никита Сергеевич Хрущёв", "Никита Сергеевич, здравствуйте!", "m"),
    ("Лебедева Вера", "Вера, здравствуйте!", "f"),
    ("Иванова Любовь", "Любовь, здравствуйте!", "f"),
    ("Белых Саша", "Саша, здравствуйте!", ""),
    ("Женя Петров", "Женя, здравствуйте!", "m"),
    ("Петрова", "Здравствуйте!", "f"),
    ("Петрова М. И.", "Здравствуйте!", "f"),
    ("Иван", "Иван, здравствуйте!", "m"),
    ("Пациент 1", "Здравствуйте!", ""),
    ("Анна Шостакович", "Анна, здравствуйте!", "f"),
]
ENGLISH = [("John Smith", "Hello John,"), ("Smith, John", "Hello John,"), ("Mary-Jane O'Neil", "Hello Mary-Jane,"),
           ("Dr. Emily Watson", "Hello Emily,"), ("Smith", "Hello,")]


@pytest.fixture
def berioza(clinic_doc) -> dict:
    return {**clinic_doc, "name": "Клиника «Берёза»", "director_name": "Анна Сергеевна"}


@pytest.mark.parametrize("full,hello,gender", NAMES)
def test_a_russian_greeting_uses_the_first_name_and_patronymic(berioza, full, hello, gender) -> None:
    clinic = parse_clinic(berioza)
    assert greeting(clinic, full) == hello
    assert read_name(full).gender == gender
    draft = suggested_reply(clinic, "waiting", full)
    assert draft == (f"{hello} Это Анна Сергеевна, Клиника «Берёза». Спасибо, что написали нам. Простите, что вам "
                     "пришлось ждать. Мы уже разбираемся, почему так вышло. Я позвоню вам сегодня.")
    surname = read_name(full).last.split(" ")[0]
    if surname and surname not in hello:
        assert surname not in draft  # never greeted by surname


@pytest.mark.parametrize("full,hello", ENGLISH)
def test_an_english_greeting_uses_the_first_name(clinic_doc, full, hello) -> None:
    clinic = parse_clinic({**clinic_doc, "locale": "en", "name": "Birch Clinic", "director_name": "Anna"})
    assert suggested_reply(clinic, "price", full) == (
        f"{hello} this is Anna from Birch Clinic. Thank you for writing to us. We understand the cost upset you. "
        "We would like to explain in detail what it was made of. I will call you today.")


def test_the_clinics_name_is_never_wrapped_in_another_klinika(berioza) -> None:
    for kind in ("result", "pain", "rudeness", "price", "waiting", "cleanliness", "unclear"):
        draft = suggested_reply(parse_clinic(berioza), kind, "Петрова Мария Ивановна")
        assert "Клиника «Берёза»." in draft and "клиники «" not in draft.lower()


def test_a_score_only_case_is_not_thanked_for_words(berioza) -> None:
    draft = suggested_reply(parse_clinic(berioza), "unclear", "Петрова Мария Ивановна", words=False)
    assert draft == ("Мария Ивановна, здравствуйте! Это Анна Сергеевна, Клиника «Берёза». Мы видим вашу оценку "
                     "визита, и нам важно понять, что можно было сделать лучше. Я позвоню вам сегодня.")
    assert "написали" not in draft and "Спасибо" not in draft


def test_no_draft_promises_an_offer_the_clinic_did_not_set(berioza) -> None:
    clinic = parse_clinic(berioza)
    for kind in ("result", "pain", "rudeness", "price", "waiting", "cleanliness", "unclear"):
        for words in (True, False):
            draft = suggested_reply(clinic, kind, "Петрова Мария Ивановна", words).lower()
            assert not any(w in draft for w in ("скидк", "бесплатн", "подар", "%", "компенс")), (kind, draft)


def test_an_offer_is_named_only_for_its_own_topic(berioza) -> None:
    clinic = parse_clinic({**berioza, "offers": {"waiting": "В следующий визит дарим вам скидку 10%."}})
    assert "В следующий визит дарим вам скидку 10%. Я позвоню" in suggested_reply(clinic, "waiting", "Мария Петрова")
    assert "скидк" not in suggested_reply(clinic, "rudeness", "Мария Петрова")


def test_no_draft_asks_for_an_sms_reply_and_the_clinics_number_is_offered(berioza) -> None:
    plain, with_phone = parse_clinic(berioza), parse_clinic({**berioza, "phone": "+7 495 123-45-67"})
    for kind in ("result", "pain", "rudeness", "price", "waiting", "cleanliness", "unclear"):
        for clinic in (plain, with_phone):
            draft = suggested_reply(clinic, kind, "Мария Петрова")
            assert "ответ" not in draft.lower() and "напишите" not in draft.lower()
    assert suggested_reply(with_phone, "price", "Мария Петрова").endswith(
        "Я позвоню вам сегодня, а если удобнее, позвоните мне: +7 495 123-45-67.")
    no_director = parse_clinic({**berioza, "director_name": ""})
    assert suggested_reply(no_director, "price", "Мария Петрова") == (
        "Мария, здравствуйте! Это Клиника «Берёза». Спасибо, что написали нам. Понимаем, что стоимость вас "
        "огорчила. Хотим подробно объяснить, из чего она сложилась. Мы позвоним вам сегодня.")


def test_the_dictionary_loads_only_when_a_name_is_read() -> None:
    import subprocess
    import sys

    check = ("import sys, functions.app, functions.cases.alerts, functions.cases.replies\n"
             "print('pymorphy3' in sys.modules)")
    answer = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True,
                            env={"FUNNEL_LOG_LEVEL": "ERROR", "PATH": "/usr/bin:/bin"})
    assert answer.stdout.strip() == "False"


def test_split_name_columns_are_read_in_the_order_people_say_them(services, clinic) -> None:
    from functions.visits.csv_files import import_csv

    russian = ("Фамилия;Имя;Отчество;Телефон;Дата приёма\n"
               "Петрова;Мария;Ивановна;+79161234501;23.11.2026 09:00\n"
               "Ким;Виктор;;+79161234502;23.11.2026 09:00\n"
               ";;;+79161234503;23.11.2026 09:00\n").encode("cp1251")
    report = import_csv(services.store, clinic, russian, 14).as_dict()
    assert (report["imported"], [(e["line"], e["column"]) for e in report["errors"]]) == (
        2, [(4, "Фамилия, Имя, Отчество")])
    names = [services.store.get_visit("c1", v.visit_id).patient_name
             for v in sorted(services.store.visits_on("c1", "2026-11-23"), key=lambda v: v.phone)]
    assert names == ["Петрова Мария Ивановна", "Ким Виктор"]
    assert [greeting(clinic, n) for n in names] == ["Мария Ивановна, здравствуйте!", "Виктор, здравствуйте!"]
    english = b"First name,Last name,Phone,Visit time\nJohn,Smith,+79161234504,2026-11-23T09:00\n"
    import_csv(services.store, clinic, english, 14)
    [john] = [v for v in services.store.visits_on("c1", "2026-11-23") if v.phone == "+79161234504"]
    assert john.patient_name == "John Smith"
