#!/usr/bin/env python3
"""Write samples/cap-scorecard-2011-12-q4.xlsx: the seed directorate scorecard
(seeds/000_732c1b6558ac6bc8.txt, docs/seeds.md) as the council's own
spreadsheet, in its original layout, slips included.

    python3 samples/make_scorecard_xlsx.py

Python's standard library only, and byte-for-byte reproducible (fixed zip
timestamps), so the .xlsx in the repository is always this script's output:
`ragcheck check samples/` reads it through the layout in
rules/layouts/scorecard.rag.

The layout of the sheet `Scorecard`:

- row 1, the title row: the scorecard's name in A1, the reporting period in
  H1 (`Reporting Period : Quarter 4 2011/12`);
- row 2, the header row: `Contribution to Cross Council Priorities |
  Progress Summary | Overall Progress | Supporting Measures | Q1 | Q2 | Q3 |
  Q4`;
- one row per measure, known by its title, with the commentary running on
  into continuation rows above and below it (no measure in column D);
- a repeated header row before the directorate priorities, as the council
  printed it (`... | Q1 | Q2 | Q3 | Q`);
- the appraisal percentages are percent-formatted numbers (0.63 shows as
  63%), the Q4 `945` is a plain number typed in by mistake, and the
  consultation and equality rows' `To be reported in Quarter 4` is one cell
  merged across Q1..Q3.
"""

import os
import zipfile
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cap-scorecard-2011-12-q4.xlsx")
NS = "http://schemas.openxmlformats.org"

PERCENT = "percent"  # a number shown as a percentage (style 1)

ROWS = [
    # row 1: title
    {"A": "2011/12 Customer Access and Performance Directorate Scorecard",
     "H": "Reporting Period : Quarter 4 2011/12"},
    # row 2: header
    {"A": "Contribution to Cross Council Priorities", "B": "Progress Summary",
     "C": "Overall Progress", "D": "Supporting Measures",
     "E": "Q1", "F": "Q2", "G": "Q3", "H": "Q4"},
    # row 3: continuation (commentary only)
    {"B": "As of 31st March 2012 full appraisals for the year were recorded at 94% "
          "and 6 month appraisal reviews recorded at 88%."},
    # row 4: appraisals
    {"A": "Appraisals",
     "B": "The variance in the final year-end figures for mid-year reviews is likely "
          "to be due to a combination of factors including some under reporting, staff "
          "leavers and starters and corrections to duplicate records loaded onto SAP by "
          "co-ordinators.",
     "C": "Amber", "D": "Every year 100% of staff have an appraisal",
     "E": (0.63, PERCENT), "F": (0.94, PERCENT), "G": (0.99, PERCENT), "H": 945},
    # row 5: continuation
    {"B": "Preparations are underway to develop a new corporate appraisal process, "
          "underpinned by 'Cornerstone', and communications events have taken place "
          "with Chief Officers/Leadership teams."},
    # row 6: staff engagement
    {"A": "Staff Engagement",
     "B": "A Development and Communication programme for the Directorate has been "
          "drafted, with a commitment to commence a programme of eventializations from "
          "April 2015 Focussing on leadership, learn and individual development.",
     "C": "Amber",
     "D": "Increase the level of staff engagement NB the engagament score measures the "
          "extent to which the organisation is satisfying what employees need to feel "
          "engaged",
     "E": "N/A", "F": "N/A", "G": "71% Baseline", "H": "N#"},
    # row 7: consultation
    {"A": "Consultation",
     "B": "A QA Exercise showed that a number of reports noted that work is not yet "
          "ready for consultation, but did set out what consultation will happen in "
          "future.",
     "C": "Green",
     "D": "Every year we will be able to evidence that consultation has taken place in "
          "100 per cent of major decisions affecting the lives of communities",
     "E": "To be reported in Quarter 4", "H": 100},
    # row 8: equality
    {"A": "Equality",
     "B": "Improvement have been made this quarter. The outcomes from the QA exercise "
          "will be discussed within the Directorate to inform future reports.",
     "C": "Green",
     "D": "Every year we will be able to evidence that equality issues have been "
          "considered in 100 per cent of major decisions",
     "E": "To be reported in Quarter 4", "H": 100},
    # row 9: budget
    {"A": "Keep within budget",
     "B": "An underspend of £617k was delivered which reflects pay savings and running "
          "cost savings, including citizens panel.",
     "C": "Green", "D": "No variation from agreed directorate budget in the year",
     "E": "£13,000 overspend", "F": "£0", "G": "£235,000 underspend",
     "H": "£617, unders"},
    # row 10: the header again, as printed
    {"A": "Directorate Priorities", "B": "Progress Summary", "C": "Overall Progress",
     "D": "Supporting Measures", "E": "Q1", "F": "Q2", "G": "Q3", "H": "Q"},
    # row 11: a measure whose title no rule declares
    {"B": "A one page customer strategy has been developed.",
     "D": "Increase the range of self service options available to the public, by "
          "ensuring all high demand transactions can be undertaken online",
     "E": "Amended indicator proposed for 2012 onwards Average number of unique "
          "visitors per month to councils website"},
    # row 12: website satisfaction
    {"A": "Lead the delivery of our customer access strategy to improve customer "
          "experience",
     "B": "All services will be represented on the site by June.",
     "C": "Green", "D": "Improve overall customer satisfaction of the council's website",
     "E": (0.5, PERCENT)},
]

# `To be reported in Quarter 4`, merged across Q1..Q3.
MERGES = ["E7:G7", "E8:G8"]


def cell(ref, value):
    if isinstance(value, tuple):
        number, style = value
        return f'<c r="{ref}" s="1"><v>{number!r}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def sheet_xml():
    rows = []
    for number, row in enumerate(ROWS, start=1):
        cells = "".join(cell(f"{col}{number}", row[col]) for col in sorted(row))
        rows.append(f'<row r="{number}">{cells}</row>')
    merges = "".join(f'<mergeCell ref="{m}"/>' for m in MERGES)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="{NS}/spreadsheetml/2006/main">'
        f'<sheetData>{"".join(rows)}</sheetData>'
        f'<mergeCells count="{len(MERGES)}">{merges}</mergeCells>'
        "</worksheet>"
    )


PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Types xmlns="{NS}/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="{NS}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<workbook xmlns="{NS}/spreadsheetml/2006/main" xmlns:r="{NS}/officeDocument/2006/relationships">'
        '<sheets><sheet name="Scorecard" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="{NS}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{NS}/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    # Style 0 is General, style 1 the built-in `0%`.
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<styleSheet xmlns="{NS}/spreadsheetml/2006/main">'
        '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="9" applyNumberFormat="1"/></cellXfs>'
        "</styleSheet>"
    ),
}


def main():
    parts = dict(PARTS)
    parts["xl/worksheets/sheet1.xml"] = sheet_xml()
    with zipfile.ZipFile(OUT, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    print(f"wrote {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
