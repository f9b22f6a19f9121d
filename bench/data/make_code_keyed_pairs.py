"""Build bench/data/code_keyed_pairs.csv: pairs of different entities whose ids come from
codes (ISO 3166 country codes, ICAO airline designators, LEI-style registry numbers) and
whose names look alike: a country and a similarly named one, a company and its regional
subsidiary, two carriers of one airline group. Every pair is two entities.

Run once: ``python bench/data/make_code_keyed_pairs.py``; the CSV is committed.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

#: (ISO 3166-1 alpha-3, name) pairs of different countries or territories.
COUNTRIES = [
    (("NER", "Niger"), ("NGA", "Nigeria")),
    (("GIN", "Guinea"), ("GNB", "Guinea-Bissau")),
    (("GIN", "Guinea"), ("GNQ", "Equatorial Guinea")),
    (("GIN", "Guinea"), ("PNG", "Papua New Guinea")),
    (("DMA", "Dominica"), ("DOM", "Dominican Republic")),
    (("COG", "Congo"), ("COD", "Congo, Democratic Republic of the")),
    (("KOR", "Korea, Republic of"), ("PRK", "Korea, Democratic People's Republic of")),
    (("SDN", "Sudan"), ("SSD", "South Sudan")),
    (("AUT", "Austria"), ("AUS", "Australia")),
    (("IRL", "Ireland"), ("ISL", "Iceland")),
    (("MLI", "Mali"), ("MWI", "Malawi")),
    (("WSM", "Samoa"), ("ASM", "American Samoa")),
    (("VGB", "Virgin Islands (British)"), ("VIR", "Virgin Islands (U.S.)")),
    (("SVK", "Slovakia"), ("SVN", "Slovenia")),
    (("IRN", "Iran"), ("IRQ", "Iraq")),
    (("GMB", "Gambia"), ("ZMB", "Zambia")),
    (("MRT", "Mauritania"), ("MUS", "Mauritius")),
    (("LBY", "Libya"), ("LBR", "Liberia")),
    (("GUY", "Guyana"), ("GUF", "French Guiana")),
    (("SXM", "Sint Maarten (Dutch part)"), ("MAF", "Saint Martin (French part)")),
    (("NLD", "Netherlands"), ("ANT", "Netherlands Antilles")),
    (("DEU", "Germany"), ("DDR", "German Democratic Republic")),
    (("YEM", "Yemen"), ("YMD", "Yemen, Democratic")),
    (("CHN", "China"), ("HKG", "Hong Kong, China")),
    (("CHN", "China"), ("MAC", "Macao, China")),
    (("SRB", "Serbia"), ("SCG", "Serbia and Montenegro")),
    (("MNE", "Montenegro"), ("SCG", "Serbia and Montenegro")),
    (("FRA", "France"), ("ATF", "French Southern Territories")),
    (("FRA", "France"), ("PYF", "French Polynesia")),
    (("USA", "United States"), ("UMI", "United States Minor Outlying Islands")),
    (("GBR", "United Kingdom"), ("IOT", "British Indian Ocean Territory")),
    (("SHN", "Saint Helena"), ("LCA", "Saint Lucia")),
    (("KNA", "Saint Kitts and Nevis"), ("VCT", "Saint Vincent and the Grenadines")),
    (("ARE", "United Arab Emirates"), ("USA", "United States")),
    (("MDA", "Moldova, Republic of"), ("MKD", "North Macedonia, Republic of")),
    (("TZA", "Tanzania, United Republic of"), ("CAF", "Central African Republic")),
    (("HMD", "Heard Island and McDonald Islands"), ("MHL", "Marshall Islands")),
    (("COK", "Cook Islands"), ("CYM", "Cayman Islands")),
    (("SLB", "Solomon Islands"), ("FRO", "Faroe Islands")),
    (("TCA", "Turks and Caicos Islands"), ("CCK", "Cocos (Keeling) Islands")),
]

#: Parent companies and their regional subsidiaries (registry numbers made up, LEI-shaped).
COMPANIES = {
    "Deutsche Lufthansa AG": [
        "Lufthansa Cargo AG",
        "Lufthansa Technik AG",
        "Lufthansa Systems GmbH",
    ],
    "Siemens AG": ["Siemens Canada Limited", "Siemens Energy AG", "Siemens Healthineers AG"],
    "Nestlé S.A.": ["Nestlé USA, Inc.", "Nestlé Deutschland AG", "Nestlé UK Ltd"],
    "Unilever PLC": ["Unilever Nigeria Plc", "Unilever Indonesia Tbk", "Unilever Pakistan Limited"],
    "Toyota Motor Corporation": [
        "Toyota Motor North America, Inc.",
        "Toyota Motor Europe NV/SA",
        "Toyota Motor Manufacturing UK",
    ],
    "Samsung Electronics Co., Ltd.": [
        "Samsung Electronics America, Inc.",
        "Samsung Electronics UK Limited",
        "Samsung Electronics GmbH Austria",
    ],
    "Vodafone Group Plc": [
        "Vodafone Egypt Telecommunications",
        "Vodafone Italia S.p.A.",
        "Vodafone España S.A.U.",
    ],
    "Shell plc": ["Shell Nigeria Exploration", "Shell Deutschland GmbH", "Shell Canada Limited"],
    "Allianz SE": [
        "Allianz Global Investors GmbH",
        "Allianz Australia Limited",
        "Allianz France S.A.",
    ],
    "AXA S.A.": ["AXA Germany", "AXA Seguros México", "AXA Insurance UK plc"],
    "BNP Paribas S.A.": [
        "BNP Paribas Fortis SA/NV",
        "BNP Paribas Securities Services",
        "BNP Paribas Cardif",
    ],
    "Société Générale S.A.": [
        "Société Générale Securities Services",
        "Société Générale Maroc",
        "Société Générale de Banques au Sénégal",
    ],
    "Banco Santander, S.A.": [
        "Santander UK plc",
        "Banco Santander México",
        "Banco Santander Chile",
    ],
    "HSBC Holdings plc": ["HSBC Bank Canada", "HSBC Bank Malta p.l.c.", "HSBC Bank Egypt S.A.E."],
    "Citigroup Inc.": [
        "Citibank Europe plc",
        "Citibank Korea Inc.",
        "Citigroup Global Markets Limited",
    ],
    "Deloitte Touche Tohmatsu Limited": [
        "Deloitte LLP",
        "Deloitte & Touche GmbH",
        "Deloitte Touche Tohmatsu India LLP",
    ],
    "KPMG International Limited": [
        "KPMG LLP",
        "KPMG AG Wirtschaftsprüfungsgesellschaft",
        "KPMG Advisory S.p.A.",
    ],
    "Carrefour S.A.": ["Carrefour Belgium", "Carrefour Brasil", "Carrefour Italia S.p.A."],
    "Danone S.A.": ["Danone North America", "Danone Nutricia Africa", "Danone Waters"],
    "Bayer AG": ["Bayer CropScience AG", "Bayer Pharma AG", "Bayer Hispania S.L."],
    "BASF SE": ["BASF Corporation", "BASF Coatings GmbH", "BASF India Limited"],
    "Orange S.A.": ["Orange Belgium", "Orange Polska S.A.", "Orange Côte d'Ivoire"],
    "Telefónica, S.A.": [
        "Telefónica Deutschland Holding AG",
        "Telefónica Brasil S.A.",
        "Telefónica del Perú",
    ],
    "Volkswagen AG": [
        "Volkswagen Group of America",
        "Volkswagen Financial Services AG",
        "Volkswagen South Africa",
    ],
    "Hitachi, Ltd.": ["Hitachi Energy Ltd", "Hitachi Rail Limited", "Hitachi Europe Ltd."],
}

#: (ICAO designator, carrier) pairs of two carriers of one group.
CARRIERS = [
    (("AFR", "Air France"), ("HOP", "Air France Hop")),
    (("KLM", "KLM Royal Dutch Airlines"), ("KLC", "KLM Cityhopper")),
    (("DLH", "Lufthansa"), ("CLH", "Lufthansa CityLine")),
    (("BAW", "British Airways"), ("CFE", "BA CityFlyer")),
    (("AAL", "American Airlines"), ("ENY", "American Eagle Airlines")),
    (("UAL", "United Airlines"), ("UCA", "United Express")),
    (("QFA", "Qantas Airways"), ("QLK", "QantasLink")),
    (("ACA", "Air Canada"), ("ROU", "Air Canada Rouge")),
    (("ACA", "Air Canada"), ("JZA", "Air Canada Jazz")),
    (("IBE", "Iberia"), ("IBS", "Iberia Express")),
    (("EIN", "Aer Lingus"), ("EUK", "Aer Lingus UK")),
    (("SIA", "Singapore Airlines"), ("SQC", "Singapore Airlines Cargo")),
    (("CPA", "Cathay Pacific"), ("HDA", "Cathay Dragon")),
    (("ANZ", "Air New Zealand"), ("RLK", "Air New Zealand Link")),
    (("EWG", "Eurowings"), ("EWE", "Eurowings Europe")),
    (("EWG", "Eurowings"), ("OCN", "Eurowings Discover")),
    (("THA", "Thai Airways International"), ("THD", "Thai Smile Airways")),
    (("CCA", "Air China"), ("CAO", "Air China Cargo")),
    (("CES", "China Eastern Airlines"), ("CYH", "China Eastern Yunnan Airlines")),
    (("CSN", "China Southern Airlines"), ("CSC", "China Southern Cargo")),
    (("JAL", "Japan Airlines"), ("JTA", "Japan Transocean Air")),
    (("KAL", "Korean Air"), ("KAC", "Korean Air Cargo")),
    (("ETD", "Etihad Airways"), ("ETR", "Etihad Regional")),
    (("AIC", "Air India"), ("AXB", "Air India Express")),
    (("SAS", "SAS Scandinavian Airlines"), ("SZS", "SAS Connect")),
    (("NAX", "Norwegian Air Shuttle"), ("NSW", "Norwegian Air Sweden")),
    (("WZZ", "Wizz Air Hungary"), ("WUK", "Wizz Air UK")),
    (("WZZ", "Wizz Air Hungary"), ("WMT", "Wizz Air Malta")),
    (("EZY", "easyJet UK"), ("EJU", "easyJet Europe")),
    (("EZY", "easyJet UK"), ("EZS", "easyJet Switzerland")),
    (("RYR", "Ryanair DAC"), ("RUK", "Ryanair UK")),
    (("LAN", "LATAM Airlines Chile"), ("TAM", "LATAM Airlines Brasil")),
    (("LAN", "LATAM Airlines Chile"), ("LPE", "LATAM Airlines Peru")),
    (("AVA", "Avianca"), ("LRC", "Avianca Costa Rica")),
    (("AVA", "Avianca"), ("GLG", "Avianca Ecuador")),
    (("CMP", "Copa Airlines"), ("ARE", "Copa Airlines Colombia")),
    (("AMX", "Aeroméxico"), ("SLI", "Aeroméxico Connect")),
    (("VIR", "Virgin Atlantic"), ("VOZ", "Virgin Australia")),
    (("AUA", "Austrian Airlines"), ("TYR", "Austrian Arrows")),
    (("SWR", "Swiss International Air Lines"), ("EDW", "Edelweiss Air Swiss")),
    (("TAP", "TAP Air Portugal"), ("PGA", "TAP Express Portugal")),
    (("FIN", "Finnair"), ("FCM", "Finnair Commuter")),
    (("DAL", "Delta Air Lines"), ("EDV", "Delta Connection Endeavor Air")),
    (("SAA", "South African Airways"), ("SAX", "South African Express Airways")),
    (("MAS", "Malaysia Airlines"), ("MWG", "Malaysia Airlines MASwings")),
]


def lei(name: str) -> str:
    """A stable LEI-shaped code for a made-up registry entry."""
    return hashlib.sha1(name.encode()).hexdigest()[:18].upper() + "00"


def main() -> None:
    rows = [("country-" + a[0], a[1], "country-" + b[0], b[1], "country") for a, b in COUNTRIES]
    for parent, subsidiaries in COMPANIES.items():
        rows += [
            ("lei-" + lei(parent), parent, "lei-" + lei(s), s, "subsidiary") for s in subsidiaries
        ]
    rows += [("icao-" + a[0], a[1], "icao-" + b[0], b[1], "carrier") for a, b in CARRIERS]
    out = Path(__file__).with_name("code_keyed_pairs.csv")
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id_a", "name_a", "id_b", "name_b", "kind"])
        w.writerows(rows)
    print(f"wrote {len(rows)} pairs to {out}")


if __name__ == "__main__":
    main()
