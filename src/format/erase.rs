//! A rule file's AST with every span set to zero, so that two parses of
//! differently laid-out text can be compared: the formatter checks its own
//! output this way before writing it.

use crate::ast::*;
use crate::span::Span;

/// A copy of `file` with every span erased.
pub fn erase_spans(file: &RuleFile) -> RuleFile {
    let mut f = file.clone();
    for item in &mut f.items {
        match item {
            Item::Measure(m) => {
                m.span = Span::default();
                ident(&mut m.id);
                if let Some(t) = &mut m.title {
                    string(t);
                }
                for s in &mut m.body {
                    match s {
                        MeasureStmt::Unit(i) | MeasureStmt::Better(i) => ident(i),
                        MeasureStmt::Target(e) => expr(e),
                        MeasureStmt::Trajectory(Trajectory::Linear(s)) => *s = Span::default(),
                        MeasureStmt::Trajectory(Trajectory::Points(points)) => {
                            for (q, e) in points {
                                ident(q);
                                expr(e);
                            }
                        }
                        MeasureStmt::Required(s) | MeasureStmt::Cumulative(s) => {
                            *s = Span::default()
                        }
                        MeasureStmt::About(s) => string(s),
                        MeasureStmt::Code(codes) => codes.iter_mut().for_each(string),
                        MeasureStmt::Band(b) => {
                            b.span = Span::default();
                            ident(&mut b.status);
                            if let Some(c) = &mut b.condition {
                                expr(c);
                            }
                        }
                    }
                }
            }
            Item::Check(c) => {
                c.span = Span::default();
                ident(&mut c.id);
                match &mut c.scope {
                    Scope::Return => {}
                    Scope::EachMeasure(w) | Scope::EachValue(w) => {
                        if let Some(w) = w {
                            expr(w);
                        }
                    }
                    Scope::Measures(ids) => ids.iter_mut().for_each(ident),
                }
                for s in &mut c.body {
                    match s {
                        CheckStmt::About(s) => string(s),
                        CheckStmt::Rule(r) => {
                            r.span = Span::default();
                            r.severity_span = Span::default();
                            expr(&mut r.condition);
                            template(&mut r.message);
                            if let Some(h) = &mut r.help {
                                template(h);
                            }
                        }
                    }
                }
            }
            Item::Severity(s) => {
                s.span = Span::default();
                s.level_span = Span::default();
                ident(&mut s.check);
            }
            Item::Layout(l) => {
                l.span = Span::default();
                ident(&mut l.name);
                if let Some(t) = &mut l.title {
                    string(t);
                }
                for s in &mut l.body {
                    s.span = Span::default();
                    ident(&mut s.word);
                    if let Some(k) = &mut s.key {
                        ident(k);
                    }
                    if let Some(p) = &mut s.place {
                        ident(p);
                    }
                    if let Some(r) = &mut s.ratio {
                        *r = Span::default();
                    }
                    for a in &mut s.args {
                        match a {
                            LayoutArg::Str(s) => string(s),
                            LayoutArg::Number(_, span) => *span = Span::default(),
                        }
                    }
                }
            }
            Item::Field(f) => {
                f.span = Span::default();
                ident(&mut f.name);
                ident(&mut f.unit);
            }
            Item::Waiver(w) => {
                w.span = Span::default();
                ident(&mut w.check);
                if let Some(m) = &mut w.measure {
                    ident(m);
                }
                if let Some(o) = &mut w.organisation {
                    string(o);
                }
                string(&mut w.until);
                string(&mut w.reason);
                string(&mut w.approved);
            }
            Item::Test(t) => {
                t.span = Span::default();
                string(&mut t.name);
                for s in &mut t.body {
                    match s {
                        TestStmt::GivenFile(s) => string(s),
                        TestStmt::Given(assigns) => {
                            for (p, s) in assigns {
                                path(p);
                                string(s);
                            }
                        }
                        TestStmt::GivenOther(other, assigns) => {
                            if let crate::ast::OtherReturn::Peer(s) = other {
                                string(s);
                            }
                            for (p, s) in assigns {
                                path(p);
                                string(s);
                            }
                        }
                        TestStmt::Expect(e) => expectation(e),
                    }
                }
            }
        }
    }
    f
}

fn ident(i: &mut Ident) {
    i.span = Span::default();
}

fn string(s: &mut Str) {
    s.span = Span::default();
}

fn path(p: &mut Path) {
    p.span = Span::default();
    p.parts.iter_mut().for_each(ident);
}

fn expectation(e: &mut Expectation) {
    match e {
        Expectation::True(x) => expr(x),
        Expectation::Diagnostic {
            check, on, span, ..
        } => {
            *span = Span::default();
            ident(check);
            if let Some(m) = on {
                ident(m);
            }
        }
        Expectation::No { check, span, .. } => {
            *span = Span::default();
            if let Some(c) = check {
                ident(c);
            }
        }
        Expectation::NoDiagnostics(span) => *span = Span::default(),
    }
}

fn expr(e: &mut Expr) {
    e.spans_mut(&mut |s| *s = Span::default());
}

fn template(t: &mut Template) {
    t.span = Span::default();
    for part in &mut t.parts {
        match part {
            TemplatePart::Text(_) => {}
            TemplatePart::Expr(e) => expr(e),
            TemplatePart::Bad(b) => b.span = Span::default(),
        }
    }
}
