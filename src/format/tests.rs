use super::*;

fn fmt(text: &str) -> String {
    match format_source(&SourceFile::new("t.rag", text)) {
        Ok(s) => s,
        Err(d) => panic!("{d:?}"),
    }
}

#[test]
fn lays_out_a_messy_file() {
    let messy = r#"
# header comment


measure   appraisals "Every year" {   # trailing on the brace
  unit percent
      better higher
  target 100%   # the target
  trajectory q1 25%,q2 50%  ,  q3 75%, q4 100%
  cumulative


  green when value>=expected
  amber when value >= expected-10%
  red    otherwise
  # before the brace
}
check c for each value where unit==percent {
about "x"
error when value<0% or (value>100%) "msg {value}" help "h"
warning when ((value > 5%)) and not (value is missing)
   # inside the statement
   "a long message that will not fit on one line with its condition and its help text"  # end
   help "help"
}
severity unknown_measure off
severity rag_undetermined info

test "t" {
given appraisals.q4="94%" ,appraisals.status = "Amber"
expect appraisals.rag==amber
expect   no   error
  expect error percent_range   on appraisals
expect no diagnostics
}
# last words
"#;
    let out = fmt(messy);
    insta::assert_snapshot!(out);
    assert_eq!(fmt(&out), out, "formatting is idempotent");
}

#[test]
fn precedence_and_parentheses() {
    let cases = [
        ("a + b * c", "a + b * c"),
        ("(a + b) * c", "(a + b) * c"),
        ("((a + b)) * c", "(a + b) * c"),
        ("a - (b - c)", "a - (b - c)"),
        ("a - b - c", "a - b - c"),
        ("not a == b", "not a == b"),
        ("(not a) == b", "(not a) == b"),
        ("-(a + b)", "-(a + b)"),
        ("a == b is missing", "a == b is missing"),
        ("a == (b is missing)", "a == (b is missing)"),
        ("abs(x)>5", "abs(x) > 5"),
        ("abs((x))>5", "abs((x)) > 5"),
        ("min(a,(b))", "min(a, (b))"),
        (
            "count(each measure where rag==red)>1",
            "count(each measure where rag == red) > 1",
        ),
        ("status not in [amber,red,]", "status not in [amber, red]"),
        ("x matches \"a(b\"", "x matches \"a(b\""),
        ("value > 8.37   days", "value > 8.37 days"),
        ("value > 1_000", "value > 1_000"),
    ];
    for (input, want) in cases {
        let out = fmt(&format!("check c {{\n    error when {input} \"m\"\n}}\n"));
        let want = format!("check c {{\n    error when {want} \"m\"\n}}\n");
        assert_eq!(out, want, "for {input}");
    }
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\n\n"), "");
    assert_eq!(fmt("# a\n\n\n# b\n"), "# a\n\n# b\n");
}

#[test]
fn syntax_errors_are_returned() {
    assert!(format_source(&SourceFile::new("t.rag", "measure {")).is_err());
}

#[test]
fn lays_out_layouts_codes_and_fields() {
    let messy = r#"
field numerator   count
field denominator count
measure m "M" { code "CORP 09" ,"CORP09"
unit percent }
layout   scorecard   "Directorate scorecard"{
files "*scorecard*.xlsx","*.ods"   # two patterns
  sheet "Scorecard"
header   row 2
organisation "Leeds City Council"
   period cell "H1"
header directorate cell "A1"
measure column "Supporting Measures"
q1 column "Q1",q2 column "Q2" ratio,
   q3 column "Q3" , q4 column "Q4"
field numerator column "Num"
}
"#;
    let out = fmt(messy);
    assert_eq!(
        out,
        r#"field numerator count
field denominator count

measure m "M" {
    code "CORP 09", "CORP09"
    unit percent
}

layout scorecard "Directorate scorecard" {
    files "*scorecard*.xlsx", "*.ods"  # two patterns
    sheet "Scorecard"
    header row 2
    organisation "Leeds City Council"
    period cell "H1"
    header directorate cell "A1"
    measure column "Supporting Measures"
    q1 column "Q1", q2 column "Q2" ratio, q3 column "Q3", q4 column "Q4"
    field numerator column "Num"
}
"#
    );
    assert_eq!(fmt(&out), out, "formatting is idempotent");
}

#[test]
fn crlf_and_a_byte_order_mark_are_kept() {
    let lf = "# budget\nmeasure budget {\n    unit money\n}\n";
    let formatted = fmt(lf);
    assert!(!formatted.contains('\r'));

    // A Windows checkout of a formatted file is already formatted.
    let crlf = formatted.replace('\n', "\r\n");
    assert_eq!(fmt(&crlf), crlf);
    let bom = format!("\u{FEFF}{crlf}");
    assert_eq!(fmt(&bom), bom);
    let bom_lf = format!("\u{FEFF}{formatted}");
    assert_eq!(fmt(&bom_lf), bom_lf);

    // A messy CRLF file comes out formatted, and still CRLF throughout.
    let messy = "measure   budget{\r\nunit money\r\n}\r\n";
    assert_eq!(fmt(messy), crlf.trim_start_matches("# budget\r\n"));
}

#[test]
fn lays_out_waivers() {
    let messy = "waive   status_mismatch   on appraisals for \"Leeds  City\"   until  Quarter 2   2012-13\n\
                 # a comment inside\n\
                 because \"reloading\"   approved \"Head\"  # end\n\
                 waive c until \"2012/13\" because \"r\" approved \"a\"\n\n\n\
                 waive d until 2012/13 Q4\n    because \"r\"\n    approved \"a\"\n";
    let once = fmt(messy);
    assert_eq!(
        once,
        "# a comment inside\n\
         waive status_mismatch on appraisals for \"Leeds  City\" until Quarter 2 2012-13\n    \
         because \"reloading\" approved \"Head\"  # end\n\
         waive c until \"2012/13\"\n    because \"r\" approved \"a\"\n\n\
         waive d until 2012/13 Q4\n    because \"r\" approved \"a\"\n"
    );
    assert_eq!(fmt(&once), once);
}

#[test]
fn monthly_trajectories_and_frequency_words() {
    let messy = "measure m {\n  unit percent\n  target 90%\n  trajectory m1 10%,m2 20%  ,  m12 90%\n}\ncheck c {\n  info when return.frequency==monthly and return.month>=7 \"late in {return.year}\"\n}\n";
    let out = fmt(messy);
    assert!(
        out.contains("    trajectory m1 10%, m2 20%, m12 90%\n"),
        "{out}"
    );
    assert!(
        out.contains("info when return.frequency == monthly and return.month >= 7"),
        "{out}"
    );
    assert_eq!(fmt(&out), out, "formatting is idempotent");
}
