//! The hostile inputs, generated: one function per class of attack from
//! issue 16, each writing its files into a fresh folder and saying how to
//! run ragcheck on them. Nothing here is checked in as a binary blob, so a
//! case can be read, changed and regenerated.
//!
//! The files are kept after a run (under `target/tmp/hostile/<case>/`) for
//! a look by hand.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Rules every case checks with: one measure, checks quoting user text.
pub const RULES: &str = r#"measure satisfaction "Residents satisfied" {
    unit percent
    target 90%
    green when value >= target
    red otherwise
}

check percent_range for each value where unit == percent {
    error when value < 0% or value > 100% "a percentage must lie between 0% and 100%, found {value}"
}

check says_commentary for each measure {
    warning when commentary is not missing "commentary: {commentary}"
}
"#;

/// A clean return.
pub const CLEAN: &str = "return:
  organisation: Test Council
  period: 2012/13 Q2
measures:
  satisfaction:
    status: Green
    values: {q1: 91%, q2: 92%}
";

/// How to run ragcheck on a case's files.
pub struct Run {
    pub args: Vec<String>,
    pub stdin: Stdin,
    pub env: Vec<(String, String)>,
    /// The address space ragcheck may use, when not the harness's cap.
    pub memory: Option<u64>,
}

/// What standard input holds.
pub enum Stdin {
    Null,
    /// A file of the case, opened for reading.
    File(PathBuf),
    /// Bytes without end (the harness writes until ragcheck stops reading).
    Endless,
}

impl Run {
    pub fn new(args: &[&str]) -> Run {
        Run {
            args: args.iter().map(|a| a.to_string()).collect(),
            stdin: Stdin::Null,
            env: Vec::new(),
            memory: None,
        }
    }

    fn memory(mut self, bytes: u64) -> Run {
        self.memory = Some(bytes);
        self
    }

    fn stdin(mut self, stdin: Stdin) -> Run {
        self.stdin = stdin;
        self
    }

    fn env(mut self, key: &str, value: &str) -> Run {
        self.env.push((key.into(), value.into()));
        self
    }
}

/// The rule folder every case has: `rules/r.rag`.
pub fn rules(dir: &Path) {
    write(&dir.join("rules/r.rag"), RULES.as_bytes());
}

pub fn write(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("a folder");
    }
    std::fs::write(path, bytes).expect("writing a case file");
}

/// A sparse file of `size` bytes: no disk, no time.
fn sparse(path: &Path, size: u64) {
    let file = std::fs::File::create(path).expect("a file");
    file.set_len(size).expect("a sparse file");
}

#[cfg(unix)]
fn fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo");
}

// ---- read first, refuse later; hangs ---------------------------------

pub fn fifo_return(dir: &Path) -> Run {
    fifo(&dir.join("r.yaml"));
    Run::new(&["check", "r.yaml"])
}

pub fn fifo_rules(dir: &Path) -> Run {
    fifo(&dir.join("rules.rag"));
    write(&dir.join("r.yaml"), CLEAN.as_bytes());
    Run::new(&["check", "--rules", "rules.rag", "r.yaml"])
}

pub fn fifo_in_folder(dir: &Path) -> Run {
    std::fs::create_dir_all(dir.join("returns")).expect("a folder");
    fifo(&dir.join("returns/a.yaml"));
    write(&dir.join("returns/ok.yaml"), CLEAN.as_bytes());
    Run::new(&["check", "returns"])
}

pub fn dev_zero(_dir: &Path) -> Run {
    Run::new(&["check", "/dev/zero"])
}

pub fn sparse_return(dir: &Path) -> Run {
    sparse(&dir.join("big.yaml"), 1 << 30);
    Run::new(&["check", "big.yaml"])
}

pub fn sparse_return_in_folder(dir: &Path) -> Run {
    std::fs::create_dir_all(dir.join("returns")).expect("a folder");
    sparse(&dir.join("returns/big.csv"), 1 << 30);
    write(&dir.join("returns/ok.yaml"), CLEAN.as_bytes());
    Run::new(&["check", "returns"])
}

pub fn sparse_rule_file(dir: &Path) -> Run {
    sparse(&dir.join("big.rag"), 1 << 30);
    write(&dir.join("r.yaml"), CLEAN.as_bytes());
    Run::new(&["check", "--rules", "big.rag", "r.yaml"])
}

pub fn endless_stdin(_dir: &Path) -> Run {
    Run::new(&["check", "-"]).stdin(Stdin::Endless)
}

// ---- spreadsheet expansion bombs --------------------------------------

/// A zip archive of `(name, content)` entries, deflated.
fn zip(path: &Path, entries: &[(&str, &[u8])]) {
    let file = std::fs::File::create(path).expect("a file");
    let mut out = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        out.start_file(*name, options).expect("a zip entry");
        out.write_all(content).expect("zip content");
    }
    out.finish().expect("a zip archive");
}

/// An `.ods` file with one table holding `rows`.
fn ods(path: &Path, rows: &str) {
    ods_ending(path, rows, "</table:table>");
}

/// An `.ods` file with one table holding `rows`, closed by `end`.
fn ods_ending(path: &Path, rows: &str, end: &str) {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Data">{rows}{end}</office:spreadsheet></office:body></office:document-content>"#
    );
    zip(
        path,
        &[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            (
                "META-INF/manifest.xml",
                br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
            ),
            ("content.xml", content.as_bytes()),
        ],
    );
}

const ODS_HEADER: &str = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>organisation</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>period</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>measure</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>q1</text:p></table:table-cell></table:table-row>"#;

pub fn ods_spaces(dir: &Path) -> Run {
    let row = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>York<text:s text:c="4000000000"/></text:p></table:table-cell></table:table-row>"#;
    ods(&dir.join("r.ods"), &format!("{ODS_HEADER}{row}"));
    Run::new(&["check", "r.ods"])
}

pub fn ods_repeats_spaced(dir: &Path) -> Run {
    let row = r#"<table:table-row table:number-rows-repeated = "1000000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated = "16384"/></table:table-row>"#;
    ods(&dir.join("r.ods"), &format!("{ODS_HEADER}{row}"));
    Run::new(&["check", "r.ods"])
}

pub fn ods_repeats_behind_a_gt(dir: &Path) -> Run {
    let row = r#"<table:table-row table:style-name="a>b" table:number-rows-repeated="1000000"><table:table-cell table:style-name="x>y" office:value-type="float" office:value="1" table:number-columns-repeated="16384"/></table:table-row>"#;
    ods(&dir.join("r.ods"), &format!("{ODS_HEADER}{row}"));
    Run::new(&["check", "r.ods"])
}

pub fn ods_repeated_text(dir: &Path) -> Run {
    // 900 KiB of text in one cell, repeated 16384 columns × 100 rows.
    let text = "x".repeat(900 * 1024);
    let row = format!(
        r#"<table:table-row table:number-rows-repeated="100"><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>{text}</text:p></table:table-cell></table:table-row>"#
    );
    ods(&dir.join("r.ods"), &format!("{ODS_HEADER}{row}"));
    Run::new(&["check", "r.ods"])
}

pub fn ods_mismatched_end_tag(dir: &Path) -> Run {
    // calamine reads on for ever past the end, waiting for
    // `</table:table>`.
    let row = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>York</text:p></table:table-cell></table:table-row>"#;
    ods_ending(
        &dir.join("r.ods"),
        &format!("{ODS_HEADER}{row}"),
        "</tablE:table>",
    );
    Run::new(&["check", "r.ods"])
}

const NS: &str = "http://schemas.openxmlformats.org";

/// An `.xlsx` workbook whose sheet's cells all name shared string 0, a
/// `string_len`-byte text, `cells` times.
fn xlsx_shared(path: &Path, string_len: usize, cells: usize) {
    let strings = format!("<si><t>{}</t></si>", "x".repeat(string_len));
    xlsx_shared_strings(path, &strings, cells);
}

/// An `.xlsx` workbook with the shared strings `strings` (`<si>` elements)
/// and `cells` cells naming the first.
fn xlsx_shared_strings(path: &Path, strings: &str, cells: usize) {
    let strings = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}/spreadsheetml/2006/main">{strings}</sst>"#
    );
    let row: String = (0..cells)
        .map(|i| format!(r#"<c r="A{}" t="s"><v>0</v></c>"#, i + 1))
        .map(|c| format!("<row>{c}</row>"))
        .collect();
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}/spreadsheetml/2006/main"><sheetData>{row}</sheetData></worksheet>"#
    );
    xlsx_parts(path, &strings, &sheet);
}

/// An `.xlsx` workbook of one sheet, from its shared strings part and its
/// sheet part.
fn xlsx_parts(path: &Path, strings: &str, sheet: &str) {
    let content_types = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{NS}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#
    );
    let rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}/spreadsheetml/2006/main" xmlns:r="{NS}/officeDocument/2006/relationships"><sheets><sheet name="Returns" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let workbook_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{NS}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
    );
    zip(
        path,
        &[
            ("[Content_Types].xml", content_types.as_bytes()),
            ("_rels/.rels", rels.as_bytes()),
            ("xl/workbook.xml", workbook.as_bytes()),
            ("xl/_rels/workbook.xml.rels", workbook_rels.as_bytes()),
            ("xl/sharedStrings.xml", strings.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ],
    );
}

pub fn xlsx_long_shared_string(dir: &Path) -> Run {
    // 100 MB of text named by 40 cells: 4 GB if copied into each.
    xlsx_shared(&dir.join("r.xlsx"), 100_000_000, 40);
    Run::new(&["check", "r.xlsx"])
}

pub fn xlsx_broken_xml(dir: &Path) -> Run {
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>0</v></worksheet>"#
    );
    xlsx_parts(&dir.join("r.xlsx"), "<sst><si><t>a</t></si></sst>", &sheet);
    Run::new(&["check", "r.xlsx"])
}

pub fn xlsx_reference_past_the_last_cell(dir: &Path) -> Run {
    // A column of 25 letters: the reader's column arithmetic overflows.
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="AAAAAAAAAAAAAAAAAAAAAAAAA1" t="s"><v>0</v></c></row></sheetData></worksheet>"#
    );
    xlsx_parts(&dir.join("r.xlsx"), "<sst><si><t>a</t></si></sst>", &sheet);
    Run::new(&["check", "r.xlsx"])
}

pub fn xlsx_many_shared_strings(dir: &Path) -> Run {
    // More empty shared strings than a sheet may have cells: calamine
    // would hold each.
    xlsx_shared_strings(&dir.join("r.xlsx"), &"<si/>".repeat(4_100_000), 1);
    Run::new(&["check", "r.xlsx"])
}

pub fn xlsx_shared_string_many_cells(dir: &Path) -> Run {
    // 900 KB of text named by 200 cells: 180 MB if copied into each.
    xlsx_shared(&dir.join("r.xlsx"), 900_000, 200);
    Run::new(&["check", "r.xlsx"])
}

// ---- rule sets --------------------------------------------------------

pub fn many_large_patterns(dir: &Path) -> Run {
    // 200 patterns of 5 to 9 MiB each once compiled (`\w` is hundreds of
    // Unicode ranges): 2 GiB held at once without a total cap.
    let mut rules = String::from(RULES);
    for i in 0..200 {
        rules.push_str(&format!(
            "check big{i} for each measure {{\n    warning when commentary matches \"\\w{{{}}}x\" \"m\"\n}}\n",
            100 + i % 50
        ));
    }
    write(&dir.join("big.rag"), rules.as_bytes());
    write(&dir.join("r.yaml"), CLEAN.as_bytes());
    Run::new(&["check", "--rules", "big.rag", "r.yaml"])
}

// ---- write safety -----------------------------------------------------

pub fn output_onto_stdin(dir: &Path) -> Run {
    write(&dir.join("r.yaml"), CLEAN.as_bytes());
    Run::new(&["check", "-o", "r.yaml", "-"]).stdin(Stdin::File(dir.join("r.yaml")))
}

pub fn output_onto_rule_file_check(dir: &Path) -> Run {
    write(&dir.join("r.yaml"), CLEAN.as_bytes());
    Run::new(&["check", "--rules", "rules", "-o", "rules/r.rag", "r.yaml"])
}

pub fn output_onto_rule_file_rules(_dir: &Path) -> Run {
    Run::new(&["rules", "--rules", "rules", "-o", "rules/./r.rag"])
}

pub fn output_onto_rule_file_test(_dir: &Path) -> Run {
    Run::new(&["test", "rules", "-o", "rules/r.rag"])
}

pub fn output_onto_rule_file_explain(_dir: &Path) -> Run {
    Run::new(&[
        "explain",
        "percent_range",
        "--rules",
        "rules",
        "-o",
        "rules/r.rag",
    ])
}

pub fn step_summary_onto_input(dir: &Path) -> Run {
    write(&dir.join("r.yaml"), CLEAN.as_bytes());
    let target = dir.join("r.yaml");
    Run::new(&["check", "--format", "github", "r.yaml"])
        .env("GITHUB_STEP_SUMMARY", &target.to_string_lossy())
}

// ---- resources --------------------------------------------------------

pub fn jobs_refused(dir: &Path) -> Run {
    write(&dir.join("r.yaml"), CLEAN.as_bytes());
    // Every worker thread asks for a 1 GiB stack under a 512 MiB cap, so
    // the very first one is refused, before any worker runs. (A cap that
    // only some threads' stacks overrun was timing-dependent: a worker
    // that got its stack could then fail to allocate and abort the run.)
    Run::new(&["check", "--jobs", "64", "r.yaml"])
        .env("RUST_MIN_STACK", "1073741824")
        .memory(512 << 20)
}

pub fn jobs_huge(dir: &Path) -> Run {
    write(&dir.join("r.yaml"), CLEAN.as_bytes());
    // Room for the 64 threads it is cut to.
    Run::new(&["check", "--jobs", "100000000", "r.yaml"]).memory(4 << 30)
}

pub fn worker_panic(dir: &Path) -> Run {
    write(&dir.join("returns/a.yaml"), CLEAN.as_bytes());
    write(&dir.join("returns/b-boom.yaml"), CLEAN.as_bytes());
    write(&dir.join("returns/c.yaml"), CLEAN.as_bytes());
    Run::new(&["check", "returns"]).env("RAGCHECK_DEBUG_PANIC", "boom")
}

// ---- rule tests reading files they should not ---------------------------

pub fn given_file_outside(dir: &Path) -> Run {
    let secret = dir
        .parent()
        .expect("a parent folder")
        .join("secret-outside.yaml");
    write(&secret, b"return:\n  organisation: TOP-SECRET-TEXT\n");
    let test = format!(
        "test \"reads outside\" {{\n    given file \"{}\"\n    expect error percent_range on satisfaction\n}}\n",
        secret.display()
    );
    write(&dir.join("rules/t.rag"), test.as_bytes());
    Run::new(&["test", "rules"])
}

pub fn given_file_dotdot(dir: &Path) -> Run {
    let test = "test \"climbs out\" {\n    given file \"../../../../../../../../etc/passwd\"\n    expect error percent_range on satisfaction\n}\n";
    write(&dir.join("rules/t.rag"), test.as_bytes());
    Run::new(&["test", "rules"])
}

// ---- terminal escapes, quoting, rendering, positions ---------------------

/// Escape sequences typed into a return (clear screen, window title, a
/// hidden link, bell, backspace) and into its file name.
pub fn escapes_human(dir: &Path) -> Run {
    escapes(dir);
    Run::new(&["check", "returns"])
}

pub fn escapes_github(dir: &Path) -> Run {
    escapes(dir);
    Run::new(&["check", "--format", "github", "returns"])
}

fn escapes(dir: &Path) {
    // In YAML's own escapes, so that the return loads and its text reaches
    // messages, headings and tables.
    let nasty = r"\e[2J\e]0;pwned\a\e]8;;http://x.invalid\e\\link\b";
    let text = format!(
        "return:\n  organisation: \"Council {nasty}\"\n  period: 2012/13 Q2\nmeasures:\n  satisfaction:\n    status: \"Green {nasty}\"\n    commentary: \"says {nasty}\"\n    values: {{q1: \"945% {nasty}\", q2: 92%}}\n"
    );
    write(&dir.join("returns/ok.yaml"), text.as_bytes());
    // Raw, in a file whose name holds an escape too.
    let raw = "return:\n  organisation: \u{1b}[2J\u{1b}]0;pwned\u{7}\n";
    write(&dir.join("returns/\u{1b}[31mred.yaml"), raw.as_bytes());
}

/// A commentary of 1.5 MB, interpolated into a message for each of 20
/// measures, and a value of 1.5 MB quoted in another.
pub fn long_quotations(dir: &Path) -> Run {
    let long = "x".repeat(1_500_000);
    let mut text = String::from("return:\n  organisation: Test\n  period: 2012/13 Q2\nmeasures:\n");
    for i in 0..20 {
        text.push_str(&format!(
            "  m{i}:\n    commentary: \"{long}\"\n    values: {{q1: \"{long}\"}}\n"
        ));
    }
    write(&dir.join("r.yaml"), text.as_bytes());
    Run::new(&["check", "r.yaml", "--format", "json"])
}

/// Positions after lone carriage returns (old Mac line breaks).
pub fn lone_cr_positions(dir: &Path) -> Run {
    let text = "return:\r  organisation: Test\r  period: 2012/13 Q2\rmeasures:\r  satisfaction:\r    values: {q1: 945%}\r";
    write(&dir.join("r.yaml"), text.as_bytes());
    Run::new(&["check", "r.yaml", "--format", "json"])
}

/// Many diagnostics on one line megabytes long, and the same return laid
/// out on many lines: human output must cost about the same.
pub fn one_long_line(dir: &Path) -> Run {
    write(&dir.join("one.json"), long_line_return(false).as_bytes());
    Run::new(&["check", "one.json"])
}

pub fn many_short_lines(dir: &Path) -> Run {
    write(&dir.join("many.json"), long_line_return(true).as_bytes());
    Run::new(&["check", "many.json"])
}

fn long_line_return(lines: bool) -> String {
    let sep = if lines { "\n" } else { "" };
    let measures: Vec<String> = (0..2000)
        .map(|i| {
            format!("{sep}\"m{i}\": {{\"status\": \"Green\", \"values\": {{\"q1\": \"945%\"}}}}")
        })
        .collect();
    format!(
        "{{\"return\": {{\"organisation\": \"X\", \"period\": \"2012/13 Q1\"}},{sep}\"measures\": {{{}}}}}",
        measures.join(",")
    )
}

/// A UTF-32 file is named as UTF-32.
pub fn utf32(dir: &Path) -> Run {
    let mut bytes = vec![0xFF, 0xFE, 0, 0];
    for c in CLEAN.chars() {
        bytes.extend_from_slice(&(c as u32).to_le_bytes());
    }
    write(&dir.join("r.yaml"), &bytes);
    Run::new(&["check", "r.yaml"])
}

// ---- memory that grows with returns ----------------------------------

/// One CSV file of `returns` returns of one measure each, every tenth
/// with a problem, checked into a JSON file beside the case's folder (it
/// is not an input).
/// A CSV collection of `returns` one-measure returns, each row with a
/// note of some length (so that the file's text, which must not be
/// held, is most of what a run could hold), one return in `every` with an
/// error, checked into `format`.
fn csv_collection(dir: &Path, returns: usize, format: &str, every: usize) -> Run {
    let mut text = String::from("organisation,period,measure,status,notes,q1,q2\n");
    let notes = "Figures confirmed with the service lead; the variance is explained in the quarterly narrative";
    for i in 0..returns {
        let q2 = if i % every == 0 { "945%" } else { "92%" };
        text.push_str(&format!(
            "Council {i},2012/13 Q2,satisfaction,Green,{notes},91%,{q2}\n"
        ));
    }
    write(&dir.join("c.csv"), text.as_bytes());
    let out = format!("../{returns}.{format}");
    Run::new(&["check", "c.csv", "--format", format, "--output", &out])
}

pub fn csv_returns_small(dir: &Path) -> Run {
    csv_collection(dir, 10_000, "json", 10)
}

pub fn csv_returns_large(dir: &Path) -> Run {
    csv_collection(dir, 100_000, "json", 10)
}

pub fn csv_human_small(dir: &Path) -> Run {
    csv_collection(dir, 10_000, "human", 100)
}

pub fn csv_human_large(dir: &Path) -> Run {
    csv_collection(dir, 100_000, "human", 100)
}
