"""Sensitive-information (PHI/PII) detection: `governance.rules.sensitive`.

No database. The corpus `sensitive_corpus.jsonl` (one JSON object a line: text, sensitive, kinds, note)
holds short posts of a hospital's social media and internal news, labelled by hand with these rules:

1. A post is sensitive when it contains information that identifies a private individual, of these kinds:
   - `patient_name`: a person's name (full name, first name, honorific + surname, nickname, kinship word +
     name: "Grandma Ingrid") in the same sentence — or the next one when it refers back to them ("Thanks,
     Aisha! We're glad your son's appendectomy went well") — as a health detail about that person or their
     family: condition, injury, treatment, procedure, medication, test result or vital sign, admission,
     discharge, ward/ICU/NICU stay, pregnancy or birth, death. Consent does not matter ("thank you for
     letting us share your story" is still labelled sensitive): reviewers check consent.
   - `mrn` (medical record, chart, patient or hospital number), `dob` (a date of birth with at least a day
     and month: "born on January 1"; "born in 1985" or "born at 29 weeks" are not), `ssn` (including a
     partial "last four of SSN: 4417"), `room` (a patient's room or bed number), `appointment` (a dated
     appointment, procedure or visit of a specific person: "her appointment on June 4", "Dad's knee
     replacement is scheduled for 2/27").
   - `phone`, `email`, `address` (a house number + street name + street suffix): always, including the
     organization's own public contact details — the reviewer decides whether they may be published.
2. Not sensitive:
   - public figures, even with their publicly known health ("Singer Selena Gomez has shared her experience
     with lupus"), and staff or volunteers in their professional role ("Dr. Lee's heart-health talk on May 3",
     "Nurse manager Priya Shah won the Daisy Award", "Meet Kevin O'Malley, the NICU nurse who knits hats").
     A member of staff's *own* health is sensitive ("Dr. Henry Osei is undergoing treatment for lymphoma").
   - generic health education, anonymous patient stories ("a patient in her 50s", "one of our young
     patients"), names without health details ("Thanks to volunteer Tom Baker"), organizations named
     after people ("Ronald McDonald House", "Hope Lodge"), therapy animals.
   - rooms that are not a patient's: the room of an event venue or an office ("CPR class in Room 2B of the
     Community Center", "Meeting Room 1", "badge photos in HR, Room 118"). A room where a patient is ("the
     family in room 412", "the gentleman in 512") is sensitive.
   - plain dates of events ("the blood drive on Friday, June 6"), years, prices, counts ("120 beds"),
     times, ZIP codes, order/grant/trial/ISBN/tax numbers, hashtags, @handles, URLs, and three-digit
     service codes (911, 988).
3. `kinds` lists every kind present (informational; the metrics are per post). `note` explains tricky cases.
   The first 455 posts were written before the detector. Posts whose note says "blind batch 1" (121) and
   "blind batch 2" (60) were written later and measured before any change made because of them: batch 1
   scored precision 0.904 / recall 0.825 on the first version, batch 2 0.871 / 0.964 on the second. Those
   are the honest estimate of quality on unseen posts; the figures on the whole corpus are in-sample.

A post is predicted sensitive when `detect` returns at least one finding.
"""

import hashlib
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from governance.rules.findings import ESCALATE
from governance.rules.sensitive import MESSAGES, detect, scan

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import sensitive_corpus  # noqa: E402

KINDS = set(MESSAGES)
# The kinds the first corpus is labelled with (org_contact: the organization's own contact detail, not sensitive).
BASE_KINDS = {"patient_name", "mrn", "dob", "phone", "email", "address", "ssn", "room", "appointment", "org_contact"}


def spans(text: str, kind: str | None = None) -> list[str]:
    return [text[h.start : h.end] for h in scan(text) if kind is None or h.kind == kind]


# --------------------------------------------------------------------------------------------------
# Each kind, with the exact span


PHONES = [
    ("Questions? Call our billing office at (555) 234-7890, Mon-Fri.", "(555) 234-7890"),
    ("Text the nurse line 24/7 at 617.555.0143.", "617.555.0143"),
    ("Book a mammogram: 1-800-555-0199.", "1-800-555-0199"),
    ("Lost and found: call +1 (212) 555-0187 ext. 4412.", "+1 (212) 555-0187 ext. 4412"),
    ("Our international patient office: +44 20 7946 0958.", "+44 20 7946 0958"),
    ("For appointments in India call +91 98765 43210.", "+91 98765 43210"),
    ("Paris office: +33 1 42 68 53 00", "+33 1 42 68 53 00"),
    ("Hotline: 0800 123 4567 (free from UK landlines)", "0800 123 4567"),
    ("Call 8005550123 to register.", "8005550123"),
    ("Text HEALTH to 555-0177 for reminders.", "555-0177"),
]


@pytest.mark.parametrize("text, number", PHONES)
def test_the_organizations_phone_numbers_are_not_reported(text, number):
    assert spans(text, "phone") == []


@pytest.mark.parametrize("number", [number for _, number in PHONES])
def test_a_private_persons_phone_number_is_reported_in_every_format(number):
    text = f"Her daughter's cell is {number}, she asked us to call about the surgery."
    assert spans(text, "phone") == [number]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Email kat_m87@yahoo.com if you know anything about my dad's surgery", ["kat_m87@yahoo.com"]),
        ("Mande un correo a su hija, lucia.perez1970@gmail.com, antes del alta.", ["lucia.perez1970@gmail.com"]),
        ("Send your photos to stories@stmarys-health.org to be featured!", []),
        ("Questions? Email patient.relations@clearview-hospital.com.", []),
        ("Send referrals to referrals+cardiology@mercy.health", []),
        # A member of staff's work address, next to a health word, is the organization's.
        ("Questions about quitting? Write to nurse Begoña Ruiz: bruiz@osasunsalud.eus.", []),
        ("appointments@gmail.com takes bookings for the flu clinic.", []),
    ],
)
def test_email(text, expected):
    assert spans(text, "email") == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Our new urgent care opens at 1428 Elm Street next Monday.", []),
        ("Drop off donations at 22 Baker St. between 9 and 5.", []),
        ("Mobile mammography at 350 Fifth Avenue on Saturday.", []),
        ("The patient lives at 4100 W. Oak Blvd, Apt 12 and needs visits.", ["4100 W. Oak Blvd, Apt 12"]),
        ("Harold Bennett, 88, 12 Willow Way. Fell at home.", ["12 Willow Way"]),
        ("He's been staying at 1212 W 14th St since discharge.", ["1212 W 14th St"]),
        ("Ambulance dispatched to 3301 North Highland Ave for a fall.", ["3301 North Highland Ave"]),
        ("Mme Durand (12 rue des Lilas, 2e étage) est rentrée de l'hôpital.", ["12 rue des Lilas"]),
        ("Frau Weber wohnt in der Lindenstraße 12 und braucht nach der OP Hilfe.", ["Lindenstraße 12"]),
        ("Nuestra clínica de la Calle Mayor 12 abre el sábado.", []),
    ],
)
def test_street_address(text, expected):
    assert spans(text, "address") == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "The fax included her social security number 078-05-1120, please shred it.",
            "social security number 078-05-1120",
        ),
        ("Screenshot: SSN 532-11-7294 on the form.", "SSN 532-11-7294"),
        ("Never share it like this: 123-45-6789.", "123-45-6789"),
        ("SSN 219 09 9999 appears on the scanned form.", "SSN 219 09 9999"),
        ("Last four of SSN: 4417, per the voicemail.", "SSN: 4417"),
    ],
)
def test_ssn(text, expected):
    assert spans(text, "ssn") == [expected]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Reminder: patient MRN 4478120 needs a fall-risk band.", "MRN 4478120"),
        ("Pull the chart for MRN: 00912345 before Monday.", "MRN: 00912345"),
        ("MRN#: 7740019", "MRN#: 7740019"),
        ("Lab results for record #A778812 went to the wrong inbox.", "record #A778812"),
        ("Patient ID 99231 was discharged without a booking.", "Patient ID 99231"),
        ("Medical record number 55-21-889 has a duplicate.", "Medical record number 55-21-889"),
        ("Hospital number H-2290114 has two open orders.", "Hospital number H-2290114"),
        ("Pt ID: 3301928, needs PT eval.", "Pt ID: 3301928"),
    ],
)
def test_medical_record_number(text, expected):
    assert spans(text, "mrn") == [expected]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Fischer (DOB 04/12/1961) needs a refill.", "DOB 04/12/1961"),
        ("Date of birth: March 3, 1958. Please verify.", "Date of birth: March 3, 1958"),
        ("Our NICU grad Ava, born on July 12, 2024 at 1 lb 14 oz!", "born on July 12, 2024"),
        ("D.O.B. 1974-09-30, female.", "D.O.B. 1974-09-30"),
        ("Patient born on 2 February 1947 needs an interpreter.", "born on 2 February 1947"),
        ("Her birthdate is June 30, 1990 per the intake form.", "birthdate is June 30, 1990"),
        ("b. 3/2/1948, widower, lives alone", "b. 3/2/1948"),
    ],
)
def test_date_of_birth(text, expected):
    assert spans(text, "dob") == [expected]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Shout-out to the family in room 412 who brought donuts!", ["room 412"]),
        ("Patient in bed 3B is asking for a chaplain.", ["bed 3B"]),
        ("Room 12, Bed 2 needs a wheelchair at discharge.", ["Room 12, Bed 2"]),
        ("Isolation precautions for rm. 233 until further notice.", ["rm. 233"]),
    ],
)
def test_room_and_bed(text, expected):
    assert spans(text, "room") == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Reminder for Mrs. Patel: her appointment on June 4 has moved.", "appointment on June 4"),
        ("Carlos is scheduled for surgery on 3/14, send good vibes!", "surgery on 3/14"),
        ("We moved his dialysis appointment to Jan 15.", "appointment to Jan 15"),
        ("She has a chemo session on Thursday, Oct 9, and would love company.", "session on Thursday, Oct 9"),
        ("Mom's chemo starts March 2nd, so we'll be busy!", "chemo starts March 2nd"),
    ],
)
def test_appointment(text, expected):
    assert spans(text, "appointment") == [expected]


@pytest.mark.parametrize(
    "text, kind, expected",
    [
        ("Member ID: XJH 4471 2290, please update the claim.", "plan_id", "Member ID: XJH 4471 2290"),
        ("NHS number 943 476 5919 was on the photo of the wristband.", "plan_id", "NHS number 943 476 5919"),
        (
            "Su tarjeta sanitaria nº BBBB 4521 8876 03 apareció en Rayos.",
            "plan_id",
            "tarjeta sanitaria nº BBBB 4521 8876 03",
        ),
        ("Versichertennummer A123456789 steht auf dem Zettel.", "plan_id", "Versichertennummer A123456789"),
        ("carte Vitale 2 85 05 78 006 084 36 trouvée au parking", "plan_id", "carte Vitale 2 85 05 78 006 084 36"),
        (
            "Found an insulin pump in the lobby, serial number PMP-4471-22 on the back.",
            "device_serial",
            "serial number PMP-4471-22",
        ),
        ("Numéro de série MMT-7XA-310294 de la pompe à insuline.", "device_serial", "Numéro de série MMT-7XA-310294"),
        ("Whose car is licence plate KX19 RTU? Lights left on in the dialysis bay.", "plate", "licence plate KX19 RTU"),
        (
            "Wem gehört der Golf mit dem Kennzeichen M-AB 1234 auf dem Besucherparkplatz?",
            "plate",
            "Kennzeichen M-AB 1234",
        ),
        ("la Clio grise immatriculée GH-482-TK garée devant la dialyse", "plate", "immatriculée GH-482-TK"),
        (
            "Please share gofundme.com/f/help-rosa-beat-leukemia 💛",
            "fundraiser",
            "gofundme.com/f/help-rosa-beat-leukemia",
        ),
        ("Our 98-year-old volunteer Edna was admitted last night.", "age", "98-year-old"),
        ("Heute musste ich einer 22-Jährigen sagen, dass ihr Knoten bösartig ist.", "age", "22-Jährigen"),
        ("Medical rec # 2209-1184 was faxed to the wrong clinic.", "mrn", "Medical rec # 2209-1184"),
        ("Historia clínica 4451223: revisar alergias.", "mrn", "Historia clínica 4451223"),
        ("Patienten-ID 88412093 bitte in die Akte.", "mrn", "Patienten-ID 88412093"),
        ("Mme Petit, née le 12 mai 1956, attend en box 4.", "dob", "née le 12 mai 1956"),
        ("Herr Braun, geb. 12.05.1956, liegt auf Station 4B.", "dob", "geb. 12.05.1956"),
        (
            "Doña Carmen, fecha de nacimiento 3 de febrero de 1941, ingresa hoy.",
            "dob",
            "fecha de nacimiento 3 de febrero de 1941",
        ),
        ("Le monsieur de la chambre 431 sort demain.", "room", "chambre 431"),
        ("Die Dame aus Zimmer 214 fragt nach ihrer Tochter.", "room", "Zimmer 214"),
        ("El señor de la habitación 305 ya puede caminar.", "room", "habitación 305"),
        ("The guy in bay 3 pulled out his IV again.", "room", "bay 3"),
    ],
)
def test_identifiers_of_every_kind(text, kind, expected):
    assert spans(text, kind) == [expected], [(h.kind, text[h.start : h.end]) for h in scan(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Our thoughts are with the pastor of St. Michael's Church, who is in our ICU after a heart attack.",
        "La única farmacéutica del pueblo de Valdelacasa está ingresada por una neumonía grave.",
        "Le seul pharmacien de Saint-Ours-le-Bas est hospitalisé pour un infarctus.",
        "Der Pfarrer von St. Michael liegt nach seinem Herzinfarkt auf der Intensivstation.",
        "The cyclist hit on Hardturm Road last night is still in intensive care.",
        "El bebé que nació ayer en el aparcamiento del Centro Comercial La Cañada está en la UCI neonatal.",
    ],
)
def test_a_person_singled_out_without_a_name(text):
    assert "indirect" in {h.kind for h in scan(text)}, [(h.kind, text[h.start : h.end]) for h in scan(text)]


@pytest.mark.parametrize(
    "text",
    [
        "@ana_r so glad your biopsy came back clear! See you at your follow-up 💙",
        "@pilar_rguez Hola Pilar, hemos revisado tu cita y tu resonancia queda para el jueves.",
        "Bonjour M. Favre, votre contrôle post-opératoire est bien maintenu au 14 juin.",
        "@markus_h Hallo Markus, das Ergebnis deines HIV-Tests besprechen wir nur persönlich.",
        "@vero.castillo.mx qué gusto que tu mamá ya terminó la quimio 💜",
        "Hi Jenna! Our records show you were admitted on the 3rd.",
    ],
)
def test_a_reply_that_confirms_a_patient(text):
    assert "reply_confirm" in {h.kind for h in scan(text)}, [(h.kind, text[h.start : h.end]) for h in scan(text)]


@pytest.mark.parametrize(
    "text",
    [
        "@dave_in_mississauga We're sorry you're upset. We can't discuss patient information on social media. "
        "Please contact Patient Relations at (905) 555-0147.",
        "Bonjour Monsieur Peeters, pour toute question liée à une hospitalisation, veuillez contacter notre service "
        "de médiation au 02 555 41 20. Nous ne pouvons rien partager ici.",
        "@anon_hilfe Wir können leider weder bestätigen noch dementieren, ob sich eine bestimmte Person bei uns in "
        "Behandlung befindet.",
        "Hola Marta, por privacidad no podemos hablar de ningún paciente aquí; escríbenos por mensaje privado.",
    ],
)
def test_a_reply_that_declines_confirms_nothing(text):
    assert scan(text) == [], [(h.kind, text[h.start : h.end]) for h in scan(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tante gerda: chemo schlägt endlich an 🙏", "tante gerda: chemo"),
        ("priez pour aïcha benali svp, opérée du cœur ce matin", "priez pour aïcha benali svp, opérée"),
        ("been trying to see my nan betty hollis on ward 4", "nan betty hollis on ward"),
        (
            "Meine Schwester Jana macht gerade ihren dritten IVF-Versuch.",
            "Schwester Jana macht gerade ihren dritten IVF",
        ),
        (
            "Qué alegría ver hoy a Don Aurelio Ferrández tras su prótesis de cadera.",
            "Don Aurelio Ferrández tras su prótesis",
        ),
    ],
)
def test_names_in_lower_case_and_in_other_languages(text, expected):
    assert spans(text, "patient_name") == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "La historia de 'Marta' (nombre ficticio) muestra cómo la detección precoz cambió su pronóstico de cáncer.",
        "A young woman (we've changed her name to 'Sam') describes waiting 14 months for an ADHD assessment.",
        "Témoignage (le prénom a été modifié) : « Julien » a passé six mois en rééducation.",
        "Beispiel aus der Datenschutzschulung, wie man es NICHT macht: „Gratuliere Herrn M. aus Zimmer 214 zur "
        "erfolgreichen Transplantation!“",
        "Reminder: a post like 'long night with the overdose in room 12' is a HIPAA violation even without a name.",
        "Skistar Nico Ammann meldet sich nach seiner Knie-OP auf Instagram. Gute Besserung, Nico!",
        "Congrats to Drs. Nguyen, Osei and Ramírez, whose study of sickle cell disease was published in Blood!",
        "Pfleger des Monats: Mehmet Demir, Intensivstation 🏆",
        "Merci à M. et Mme Lambert, qui ont fait don de 15 000 € au service de pédiatrie.",
        "Betriebsversammlung am 5. Juli; Wiederholung um 15:30 Uhr in Zimmer 214 (Bildungszentrum).",
        "Free diabetes education for adults over 90 every Tuesday in the library.",
        "Visit us at the hospital's main entrance for the academia and nostalgia book fair.",
    ],
)
def test_invented_quoted_public_and_professional_names_are_not_reported(text):
    assert scan(text) == [], [(h.kind, text[h.start : h.end]) for h in scan(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Joan, 54, was admitted with sepsis last week.", "Joan, 54, was admitted"),
        ("Maria Lopez was admitted to the ICU with pneumonia.", "Maria Lopez was admitted"),
        ("Huge thanks to Mr. Chen, who is recovering from a stroke.", "Mr. Chen, who is recovering"),
        ("Hannah's MRI came back clear!", "Hannah's MRI"),
        ("Patient Lily Tran, 16, is in our adolescent program.", "Patient Lily Tran"),
        (
            "Thanks for the kind words, Aisha! We're glad your son's appendectomy went well.",
            "Aisha! We're glad your son's appendectomy",
        ),
        ("Our colleague Dr. Henry Osei is undergoing treatment for lymphoma.", "Henry Osei is undergoing"),
        ("Grace Otieno was readmitted for heart failure.", "Grace Otieno was readmitted"),
        ("Robert 'Bobby' Tate rang the chemo bell!", "Robert 'Bobby' Tate rang the chemo"),
        (
            "Mr. Van der Berg thanked the nurses who helped him through withdrawal.",
            "Mr. Van der Berg thanked the nurses who helped him through withdrawal",
        ),
    ],
)
def test_patient_name_with_health_details(text, expected):
    assert spans(text, "patient_name") == [expected]


def test_findings_carry_rule_severity_message_and_offsets():
    text = "Patient: Grace Liu, DOB 09/14/1988, MRN 5521093, admitted for appendicitis, room 214."
    findings = detect(text)
    assert {f.rule for f in findings} == {"sensitive"}
    assert {f.severity for f in findings} == {ESCALATE}
    by_message = {f.message: text[f.start : f.end] for f in findings}
    assert by_message == {
        "Patient name together with health details: a person named as a patient": "Patient: Grace Liu",
        "Possible date of birth": "DOB 09/14/1988",
        "Possible medical record number": "MRN 5521093",
        "Patient room or bed number": "room 214",
    }
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    assert detect("") == []


def test_messages_name_every_kind():
    assert MESSAGES["mrn"] == "Possible medical record number"
    assert MESSAGES["patient_name"] == "Patient name together with health details"
    assert all(message and message[0].isupper() for message in MESSAGES.values())


def test_same_kind_spans_are_merged_not_repeated():
    text = "Room 12, Bed 2 and MRN 4478120 (MRN 4478120) for Maria Lopez, admitted, ICU, sepsis."
    hits = scan(text)
    for kind in KINDS:
        same = sorted((h.start, h.end) for h in hits if h.kind == kind)
        assert all(a_end < b_start for (_, a_end), (b_start, _) in zip(same, same[1:], strict=False)), kind
    assert spans(text, "room") == ["Room 12, Bed 2"]


# --------------------------------------------------------------------------------------------------
# What must not be flagged


@pytest.mark.parametrize(
    "text",
    [
        "Dr. Lee's heart-health talk on May 3 is open to the public.",
        "Nurse manager Priya Shah won the Daisy Award this month! Congratulations, Priya!",
        "Flu shots are free this week at all our clinics. No appointment needed!",
        "Thanks to volunteer Tom Baker for 1,000 hours of service at our front desk!",
        "Join Nurse Patel for a CPR class in Room 2B of the Community Center on Saturday at 10 a.m.",
        "Blood drive on Friday, June 6, from 9 a.m. to 3 p.m. in the main lobby.",
        "A patient in her 50s told us the new valet service made her chemo days easier.",
        "One of our young patients drew this amazing picture of her care team!",
        "Singer Selena Gomez has shared her experience with lupus and a kidney transplant.",
        "Meet Kevin O'Malley, the NICU nurse who knits tiny hats for every preemie.",
        "Ronald McDonald House opened a new family room inside our children's hospital.",
        "Hope Lodge offers free lodging for cancer patients traveling for treatment.",
        "May is Mental Health Awareness Month. Check in on your friends and family.",
        "Our hospital dog, Biscuit, visited the oncology floor today and made lots of friends.",
        "Kevin ran the marathon for cancer research.",
        "The new tower adds 120 beds and 32 ICU rooms.",
        "Our ER saw 212,000 visits in 2024, a 6% increase. Parking is $2 per hour.",
        "Call 911 in an emergency, or call or text 988 if you are in crisis.",
        "We're hiring! Apply at careers.example.org #NurseLife #Hiring @CityGeneralHealth",
        "Read the report: https://www.cityhealth.org/reports/2024/annual-report-555-234-7890.pdf",
        "Tax ID for donations: 12-3456789. Clinical trial NCT04567890. Order #4412-7781.",
        "Our cookbook (ISBN 978-1-4028-9462-6) is on sale for $19.99.",
        "Residents of ZIP code 60614 can now get free rides. Doors open at 6:30.",
        "Construction update: the parking garage on Elm Street will reopen in May.",
        "Free diabetes screening at the Westside Library, Meeting Room 1, on March 15.",
        "Grief support workshop, Room 3 of the Parish Hall, Mondays at 7 p.m.",
    ],
)
def test_not_sensitive(text):
    assert scan(text) == [], [(h.kind, text[h.start : h.end]) for h in scan(text)]


# --------------------------------------------------------------------------------------------------
# The labelled corpus


def load_corpus() -> list[dict]:
    return sensitive_corpus.base_rows()


def test_corpus_is_well_formed():
    base, new = sensitive_corpus.base_rows(), sensitive_corpus.new_rows()
    everything = base + new
    assert len(everything) >= 1000
    texts = [r["text"] for r in everything]
    assert len(set(texts)) == len(texts), "duplicate posts"
    for r in base:
        assert set(r) == {"text", "sensitive", "kinds", "note", "lang", "split"}, r
        assert set(r["kinds"]) <= BASE_KINDS, r
    labels = set(sensitive_corpus.POSITIVE_LABELS) | set(sensitive_corpus.NEGATIVE_LABELS)
    for r in new:
        assert set(r) == {"text", "sensitive", "kinds", "lang", "split", "note"}, r
        assert r["kinds"] and set(r["kinds"]) <= labels, r
        positive = set(r["kinds"]) <= set(sensitive_corpus.POSITIVE_LABELS)
        assert positive == r["sensitive"], r
        # The split was assigned once, from the text: it cannot drift when posts are added or reordered.
        h = int(hashlib.sha256(r["text"].encode()).hexdigest(), 16) % 4
        assert r["split"] == ("train" if h < 2 else "dev" if h == 2 else "test"), r
    languages = Counter(r["lang"] for r in new)
    assert all(languages[lang] >= 150 for lang in ("es", "fr", "de")), languages
    for split in ("train", "dev", "test"):
        present = {k for r in new if r["split"] == split for k in r["kinds"]}
        assert present == labels, (split, labels - present)


def _scores(rows) -> tuple[float, float, list, list]:
    tp = fp = fn = 0
    misses, false_alarms = [], []
    for r in rows:
        predicted = bool(detect(r["text"]))
        tp += predicted and r["sensitive"]
        if predicted and not r["sensitive"]:
            fp += 1
            false_alarms.append(r["text"])
        if r["sensitive"] and not predicted:
            fn += 1
            misses.append(r["text"])
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), misses, false_alarms


def test_in_sample_precision_and_recall():
    """The posts the rules and the model were tuned on (base, train and dev): near perfect, or a change
    broke what used to work."""
    precision, recall, misses, false_alarms = _scores(sensitive_corpus.rows(("base", "train", "dev")))
    assert recall >= 0.98, misses
    assert precision >= 0.97, false_alarms


def test_held_out_precision_and_recall_do_not_regress():
    """The test split, never tuned on; the figures of record are in bench/README.md. The bounds sit just
    under the figures measured when the split was last scored, so that a change that loses ground fails."""
    rows = sensitive_corpus.rows(("test",))
    precision, recall, _, _ = _scores(rows)
    assert recall >= 0.89 and precision >= 0.89, (precision, recall)


def test_every_label_is_handled_on_the_tuned_splits():
    """Per label, the share of its posts the screen gets right (flags a positive, passes a negative)."""
    right: dict[str, list[bool]] = {}
    for r in sensitive_corpus.rows(("train", "dev")):
        correct = bool(detect(r["text"])) == r["sensitive"]
        for label in r["kinds"]:
            right.setdefault(label, []).append(correct)
    rates = {k: sum(v) / len(v) for k, v in right.items()}
    assert min(rates.values()) >= 0.9, rates


def test_base_corpus_kinds_are_found():
    """On the first corpus, per kind, the share of the posts labelled with it where that kind is reported."""
    found: dict[str, list[bool]] = {k: [] for k in BASE_KINDS - {"org_contact"}}
    for r in sensitive_corpus.base_rows():
        got = {h.kind for h in scan(r["text"])}
        for kind in r["kinds"]:
            if kind in found:
                found[kind].append(kind in got)
    rates = {k: sum(v) / len(v) for k, v in found.items() if v}
    assert min(rates.values()) >= 0.9, rates


# --------------------------------------------------------------------------------------------------
# Speed and independence from Django


def test_a_2000_character_post_is_checked_in_milliseconds():
    text = " ".join(r["text"] for r in load_corpus()[:40])[:2000]
    detect(text)
    runs = []
    for _ in range(30):
        t0 = time.perf_counter()
        detect(text)
        runs.append(time.perf_counter() - t0)
    # Typically ~3 ms on the 2-core machine; the bound leaves room for a loaded CI runner.
    assert statistics.median(runs) < 0.05


def test_module_imports_without_django():
    code = (
        "import sys; import governance.rules.sensitive as s; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules); "
        "print(len(s.detect('Her cell is 555-234-7890')))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"
