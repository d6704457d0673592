"""Import presets for HR exports: each fixture is written from the system's documented headers
(fictional people), imported through the CLI and checked field by field."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from expertfind.presets import column_key, detect_preset, parse_preset

from .conftest import Invoke, write

FIXTURES = Path(__file__).parent / "fixtures"
PRESETS = FIXTURES / "presets"
LINKEDIN = FIXTURES / "linkedin-archive"


def people(cli: Invoke) -> dict[str, dict[str, Any]]:
    result = cli("list", "--json")
    assert result.exit_code == 0, result.output
    return {p.get("email", p["id"]): p for p in json.loads(result.stdout)}


def imported(cli: Invoke, *args: str) -> dict[str, dict[str, Any]]:
    result = cli("import", *args)
    assert result.exit_code == 0, result.output
    return people(cli)


def test_entra_download_is_detected_and_mapped(cli: Invoke) -> None:
    result = cli("import", str(PRESETS / "entra-users.csv"))
    assert result.exit_code == 0, result.output
    assert "read with preset entra (detected)" in result.stderr
    by_email = people(cli)
    ozlem = by_email["ozlem.celik@minbzk.example"]
    assert ozlem["name"] == "Özlem Çelik"
    assert ozlem["title"] == "Adviseur kennismanagement"
    assert ozlem["team"] == "Kennis & Innovatie"
    assert ozlem["location"] == "Den Haag - Turfmarkt"
    assert ozlem["id (entra)"] == "6f1c0a52-0001-4d1e-9a11-000000000001"
    assert "telephoneNumber" not in ozlem and "mobilePhone" not in ozlem
    # no mail: the user principal name is the address; False means the account is disabled
    assert by_email["z.dewit@minbzk.example"]["name"] == "Zoë de Wit"
    assert by_email["kees.vermeulen@minbzk.example"]["available"] is False
    assert result.stderr.count("kept as extra fields") == 1
    assert "not stored (personal data the preset leaves out): streetAddress" in result.stderr


def test_entra_bulk_template_with_version_line(cli: Invoke) -> None:
    by_email = imported(cli, str(PRESETS / "entra-bulk-template.csv"), "--preset", "entra")
    ngugi = by_email["ngugi.kamau@minbzk.example"]
    assert (ngugi["name"], ngugi["title"], ngugi["team"], ngugi["location"]) == (
        "Ngũgĩ Kamau", "Datawetenschapper", "Data & Analyse", "Den Haag")
    assert "Geheim-Wachtwoord-1" not in json.dumps(ngugi)


def test_google_workspace_headers_with_markers(cli: Invoke) -> None:
    by_email = imported(cli, str(PRESETS / "google-users.csv"))
    sanne = by_email["sanne.vries@minbzk.example"]
    assert (sanne["name"], sanne["title"], sanne["team"], sanne["location"]) == (
        "Sanne de Vries", "Communicatieadviseur", "Communicatie", "Utrecht-Hoog Catharijne")
    assert sanne["Employee ID"] == "1001"
    assert "Password [Required]" not in sanne
    anais = by_email["anais.lefevre@minbzk.example"]
    assert anais["team"] == "/Leren en Ontwikkelen"  # no Department: the org unit path


def test_bamboohr_report_with_skills_on_lines(cli: Invoke) -> None:
    by_email = imported(cli, str(PRESETS / "bamboohr-report.csv"))
    hans = by_email["hans.bakker@minbzk.example"]
    assert hans["name"] == "Hans Bakker"  # the preferred name
    assert hans["skills"] == [{"name": "leiderschapsprogramma", "level": 5},
                              {"name": "intervisie", "level": 4}, "coaching"]
    assert (hans["title"], hans["team"], hans["location"]) == (
        "Programmamanager leiderschap", "Leren en Ontwikkelen", "Den Haag")
    assert "Mobile Phone" not in hans
    fatima = by_email["fatima.elamrani@minbzk.example"]
    assert fatima["name"] == "Fatima El Amrani"  # no preferred name: first + last
    assert fatima["skills"][0] == {"name": "MOOC moderatie", "level": 5}


def test_successfactors_keys_then_labels(cli: Invoke) -> None:
    by_email = imported(cli, str(PRESETS / "successfactors-users.csv"))
    assert len(by_email) == 2  # the labels row is not a person
    pieter = by_email["pieter.janssen@minbzk.example"]
    assert (pieter["name"], pieter["title"], pieter["team"], pieter["location"]) == (
        "Pieter Janssen", "Privacy officer", "Juridische Zaken", "Den Haag")
    assert pieter["available"] is True and "GENDER" not in pieter
    assert by_email["marieke.bos@minbzk.example"]["available"] is False


def test_workday_report_with_groups(cli: Invoke) -> None:
    by_email = imported(cli, str(PRESETS / "workday-report.json"))
    lotte = by_email["lotte.vandijk@minbzk.example"]
    assert lotte["id"] == "21001"
    assert lotte["skills"] == ["working out loud", "Yammer", "community management"]
    assert lotte["languages"] == ["Dutch", "English"]
    assert (lotte["title"], lotte["team"]) == ("Adviseur werken in de openbaarheid",
                                               "Digitale Samenwerking")
    assert lotte["Hire_Date"] == "2018-04-01"
    assert by_email["daan.smit@minbzk.example"]["available"] is False


def _check_inge(person: dict[str, Any]) -> None:
    assert person["name"] == "Inge Hoekstra"
    assert person["email"] == "inge.hoekstra@minbzk.example"  # the primary address
    assert (person["title"], person["team"]) == ("Leercoach", "Ministerie van Voorbeeldzaken")
    assert person["location"] == "Utrecht, Netherlands"
    assert person["skills"] == ["Intervisie", "Sociaal leren", "Coaching"]
    kinds = [c["kind"] for c in person["contributions"]]
    assert kinds == ["profile", "position", "position", "endorsement"]
    endorsement = person["contributions"][-1]
    assert endorsement == {"kind": "endorsement", "title": "Intervisie: endorsed 2 times",
                           "date": "2025-08-02", "tags": ["Intervisie"]}  # the rejected one is not
    assert "1985" not in json.dumps(person)  # birth date not stored


def test_linkedin_archive_as_folder(cli: Invoke) -> None:
    _check_inge(imported(cli, str(LINKEDIN))["inge.hoekstra@minbzk.example"])


def test_linkedin_archive_as_zip_with_a_top_folder(cli: Invoke, tmp_path: Path) -> None:
    archive = tmp_path / "Basic_LinkedInDataExport_11-22-2026.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in LINKEDIN.iterdir():
            zipped.write(path, f"Basic_LinkedInDataExport_11-22-2026/{path.name}")
    _check_inge(imported(cli, str(archive))["inge.hoekstra@minbzk.example"])
    assert cli("ask", "intervisie").stdout.count("Inge Hoekstra") == 1


def test_a_folder_that_is_not_a_linkedin_archive(cli: Invoke, tmp_path: Path) -> None:
    result = cli("import", str(tmp_path))
    assert result.exit_code == 1 and "not a profile file" in result.output
    result = cli("import", str(tmp_path), "--preset", "linkedin")
    assert result.exit_code == 1 and "not a LinkedIn data archive" in result.output


@pytest.mark.parametrize("variant", ["cp1252", "utf-8-sig"])
def test_dutch_excel_variants(cli: Invoke, tmp_path: Path, variant: str) -> None:
    original = (PRESETS / "entra-users.csv").read_text("utf-8-sig")
    rows = [line.split(",") for line in original.splitlines()]
    dutch = "sep=;\r\n" + "\r\n".join(";".join(row) for row in rows) + "\r\n"
    source = write(tmp_path / "entra-nl.csv", dutch.encode(variant))
    args = [str(source)] + (["--encoding", "cp1252"] if variant == "cp1252" else [])
    by_email = imported(cli, *args)
    assert by_email["ozlem.celik@minbzk.example"]["name"] == "Özlem Çelik"
    assert by_email["kees.vermeulen@minbzk.example"]["available"] is False


def test_skills_in_one_cell_split_on_newlines_semicolons_commas_and_bars(
    cli: Invoke, tmp_path: Path
) -> None:
    source = write(tmp_path / "bamboo.csv",
                   'Employee #;First Name;Last Name;Work Email;Skills\r\n'
                   '7;Eva;Smit;eva@example.org;"intervisie:4\nMOOC; coaching, Yammer | PKM"\r\n')
    skills = imported(cli, str(source))["eva@example.org"]["skills"]
    assert skills == [{"name": "intervisie", "level": 4}, "MOOC", "coaching", "Yammer", "PKM"]


def test_dry_run_shows_the_mapping_and_first_rows_and_writes_nothing(
    cli: Invoke, directory_file: Path
) -> None:
    result = cli("import", str(PRESETS / "successfactors-users.csv"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "preset successfactors" in result.stdout
    assert "FIRSTNAME + MI + LASTNAME | FIRSTNAME + LASTNAME" in result.stdout
    assert '"name": "Pieter Janssen"' in result.stdout
    assert not directory_file.exists()


def test_validation_and_all_or_nothing_stay_as_for_any_import(
    cli: Invoke, tmp_path: Path, directory_file: Path
) -> None:
    source = write(tmp_path / "entra.csv",
                   "userPrincipalName,displayName,mail,accountEnabled\n"
                   "a@example.org,Eva Smit,a@example.org,True\n"
                   "b@example.org,Bram Jansen,b@example.org,Misschien\n")
    result = cli("import", str(source))
    assert result.exit_code == 1
    assert "entra.csv line 3" in result.output and "'available'" in result.output
    assert not directory_file.exists()


def test_preset_and_map_do_not_mix(cli: Invoke) -> None:
    result = cli("import", str(PRESETS / "entra-users.csv"), "--preset", "entra", "--map", "a=name")
    assert result.exit_code == 2 and "either --preset or --map" in result.output


def test_preset_none_reads_the_columns_as_they_are(cli: Invoke) -> None:
    result = cli("import", str(PRESETS / "entra-users.csv"), "--preset", "none")
    assert result.exit_code == 1 and "no name column" in result.output


def test_unknown_preset_is_a_usage_error(cli: Invoke) -> None:
    result = cli("import", str(PRESETS / "entra-users.csv"), "--preset", "afas")
    assert result.exit_code == 2 and "known: bamboohr, entra, google" in result.output


def test_own_preset_file_next_to_the_directory(cli: Invoke, directory_file: Path, tmp_path: Path) -> None:
    folder = directory_file.parent / "presets"
    folder.mkdir(parents=True)
    write(folder / "afas.toml", '''
name = "afas"
description = "AFAS Profit: medewerkers (export)"
detect = ["Medewerker", "E-mail werk"]
[fields]
name = ["Naam"]
email = ["E-mail werk"]
team = ["Afdeling"]
skills = ["Competenties"]
''')
    listed = cli("presets", "--json")
    assert "afas" in {p["name"] for p in json.loads(listed.stdout)}
    source = write(tmp_path / "afas.csv", "Medewerker;Naam;E-mail werk;Afdeling;Competenties\r\n"
                                          "42;Jesse Bos;jesse@example.org;HR;crowdfunding:3\r\n")
    result = cli("import", str(source))
    assert result.exit_code == 0 and "read with preset afas (detected)" in result.stderr
    jesse = people(cli)["jesse@example.org"]
    assert (jesse["team"], jesse["skills"], jesse["Medewerker"]) == (
        "HR", [{"name": "crowdfunding", "level": 3}], "42")


def test_preset_given_as_a_file(cli: Invoke, tmp_path: Path) -> None:
    preset = write(tmp_path / "mine.toml", 'name = "mine"\n[fields]\nname = ["Wie"]\n')
    source = write(tmp_path / "wie.csv", "Wie,Wat\nEva Smit,x\n")
    assert imported(cli, str(source), "--preset", str(preset))["eva-smit"]["Wat"] == "x"


def test_a_broken_preset_file_is_reported(cli: Invoke, tmp_path: Path) -> None:
    preset = write(tmp_path / "bad.toml", 'name = "bad"\n[fields]\nnaam = ["Wie"]\n')
    result = cli("import", str(PRESETS / "entra-users.csv"), "--preset", str(preset))
    assert result.exit_code == 1 and "'naam' is not a profile field" in result.output


def test_presets_lists_every_preset_with_its_columns(cli: Invoke) -> None:
    result = cli("presets", "--json")
    assert result.exit_code == 0
    listed = {p["name"]: p for p in json.loads(result.stdout)}
    assert set(listed) >= {"entra", "google", "bamboohr", "successfactors", "workday", "linkedin"}
    assert listed["entra"]["fields"]["email"] == ["mail", "userPrincipalName"]
    assert "Skills.csv" in listed["linkedin"]["fields"]["(files)"]
    human = cli("presets")
    assert "userPrincipalName" in human.stdout


def test_column_names_are_compared_without_markers() -> None:
    assert column_key("Name [displayName] Required") == "displayname"
    assert column_key("First Name [Required]") == "first name"
    assert column_key("Status [READ ONLY]") == "status"
    assert column_key("  Work   Email ") == "work email"


def test_detection_needs_one_clear_winner() -> None:
    one = parse_preset('name = "one"\ndetect = ["A"]\n[fields]\nname = ["A"]\n', "one")
    two = parse_preset('name = "two"\ndetect = ["B"]\n[fields]\nname = ["B"]\n', "two")
    assert detect_preset(["A", "C"], [one, two]) is one
    assert detect_preset(["A", "B"], [one, two]) is None  # ambiguous
    assert detect_preset(["name", "A"], [one, two]) is None  # already the profile format


def test_fixtures_hold_no_real_personal_data() -> None:
    for path in [*PRESETS.iterdir(), *LINKEDIN.iterdir()]:
        text = path.read_text("utf-8-sig")
        assert "@gmail" not in text and "@outlook" not in text, path.name


def test_unknown_columns_round_trip_through_export(cli: Invoke, tmp_path: Path) -> None:
    before = imported(cli, str(PRESETS / "entra-users.csv"))
    exported = tmp_path / "export.json"
    assert cli("export", "-o", str(exported)).exit_code == 0
    again = cli("import", str(exported))
    assert again.exit_code == 0 and "0 added, 0 updated, 3 unchanged" in again.stderr
    assert people(cli) == before
