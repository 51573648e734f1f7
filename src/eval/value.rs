//! Values at run time and the operators on them, in three-valued logic: a
//! missing operand makes arithmetic and comparison [`Val::Unknown`]. The
//! tree walker ([`super::ReturnCtx::eval`]) and the compiled closures
//! (`plan`) share these.

use std::borrow::Cow;

use rust_decimal::Decimal;

use crate::display;
use crate::ir::{ArithOp, CmpOp, Const, Func, IsKind};
use crate::rag::Rag;
use crate::value::{MissingKind, Unit, ValueText, parse_value};

/// A value at run time. Values read from a return keep the text as typed,
/// so messages can show `945` rather than `945%`.
#[derive(Clone, Debug, PartialEq)]
pub enum Val<'a> {
    Missing(MissingKind, Option<&'a str>),
    Num(Decimal, Option<Unit>, Option<&'a str>),
    Bool(bool),
    Text(Cow<'a, str>),
    Status(Rag, Option<&'a str>),
    Unit(Unit),
    /// Could not be decided (an operand was missing).
    Unknown,
}

impl Default for Val<'_> {
    /// Blank: what a sub-period that is not given reads as.
    fn default() -> Self {
        Val::Missing(MissingKind::Blank, None)
    }
}

impl Val<'_> {
    pub fn is_missing(&self) -> bool {
        matches!(self, Val::Missing(..) | Val::Unknown)
    }

    /// The value as a person reads it, borrowed when it can be (as typed,
    /// or a text): what `matches`, `len` and `lower` read, without an
    /// allocation per evaluation.
    #[inline]
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Val::Missing(_, Some(raw)) | Val::Num(_, _, Some(raw)) | Val::Status(_, Some(raw)) => {
                Cow::Borrowed(raw)
            }
            Val::Text(t) => Cow::Borrowed(t.as_ref()),
            Val::Status(r, None) => Cow::Borrowed(r.name()),
            Val::Unit(u) => Cow::Borrowed(u.name()),
            other => Cow::Owned(other.render_owned()),
        }
    }

    /// [`Val::render`] out of line: the rare case of [`Val::text`].
    #[cold]
    #[inline(never)]
    fn render_owned(&self) -> String {
        self.render()
    }

    /// The value as a person reads it: as typed when it came from a return.
    pub fn render(&self) -> String {
        self.quoted().into_owned()
    }

    /// The value as a message quotes it: user text cut to
    /// [`display::MAX_QUOTE_CHARS`] with `…` and control characters shown
    /// visibly, without copying a long text first.
    pub fn quoted(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Val::Missing(_, Some(raw)) | Val::Num(_, _, Some(raw)) | Val::Status(_, Some(raw)) => {
                display::quote(raw)
            }
            Val::Text(t) => display::quote(t),
            other => std::borrow::Cow::Owned(other.render_plain()),
        }
    }

    fn render_plain(&self) -> String {
        match self {
            Val::Missing(_, Some(raw)) | Val::Num(_, _, Some(raw)) | Val::Status(_, Some(raw)) => {
                raw.to_string()
            }
            Val::Missing(kind, None) => format!("({})", kind.name().replace('_', " ")),
            Val::Num(n, u, None) => display::amount(*n, *u),
            Val::Bool(b) => b.to_string(),
            Val::Text(t) => t.to_string(),
            Val::Status(r, None) => r.name().to_string(),
            Val::Unit(u) => u.name().to_string(),
            Val::Unknown => "(unknown)".to_string(),
        }
    }
}

/// A small whole number as a value; missing when there is none.
pub(super) fn number<'a>(n: Option<u8>) -> Val<'a> {
    match n {
        Some(n) => Val::Num(Decimal::from(n), None, None),
        None => Val::Missing(MissingKind::Blank, None),
    }
}

/// A number of things (`count(…)`) as a value.
pub(super) fn count<'a>(n: usize) -> Val<'a> {
    Val::Num(Decimal::from(n as u64), None, None)
}

/// A constant of the rules as a value.
pub(super) fn constant<'a>(c: &Const) -> Val<'a> {
    match c {
        Const::Num(n, u) => Val::Num(*n, *u, None),
        Const::Text(t) => Val::Text(Cow::Owned(t.clone())),
        Const::Bool(b) => Val::Bool(*b),
        Const::Status(r) => Val::Status(*r, None),
        Const::Unit(u) => Val::Unit(*u),
    }
}

/// A function applied to its evaluated arguments.
pub(super) fn apply<'a>(f: Func, vals: &[Val<'a>]) -> Val<'a> {
    match (f, vals) {
        (Func::Abs, [Val::Num(n, u, _)]) => Val::Num(n.abs(), *u, None),
        (Func::Round, [Val::Num(n, u, _), Val::Num(d, _, _)]) => {
            let digits = u32::try_from(d.trunc().mantissa()).unwrap_or(0).min(20);
            Val::Num(n.round_dp(digits), *u, None)
        }
        (Func::Min | Func::Max, vs) => {
            let mut best: Option<(Decimal, Option<Unit>)> = None;
            for v in vs {
                let Val::Num(n, u, _) = v else {
                    return Val::Unknown;
                };
                best = Some(match best {
                    None => (*n, *u),
                    Some((b, bu)) => {
                        if (f == Func::Min && *n < b) || (f == Func::Max && *n > b) {
                            (*n, u.or(bu))
                        } else {
                            (b, bu.or(*u))
                        }
                    }
                });
            }
            best.map(|(n, u)| Val::Num(n, u, None))
                .unwrap_or(Val::Unknown)
        }
        (Func::Len, [v]) if !v.is_missing() => {
            Val::Num(Decimal::from(v.text().chars().count() as u64), None, None)
        }
        (Func::Lower, [v]) if !v.is_missing() => Val::Text(Cow::Owned(v.text().to_lowercase())),
        _ => Val::Unknown,
    }
}

pub(super) fn truth(v: Val<'_>) -> Val<'_> {
    match v {
        Val::Bool(b) => Val::Bool(b),
        _ => Val::Unknown,
    }
}

/// Units of two numbers, when they can be combined (a plain number takes
/// the other's unit).
pub(super) fn join_units(a: Option<Unit>, b: Option<Unit>) -> Result<Option<Unit>, ()> {
    match (a, b) {
        (None, u) | (u, None) => Ok(u),
        (Some(x), Some(y)) if x == y => Ok(Some(x)),
        _ => Err(()),
    }
}

pub(super) fn arith<'a>(op: ArithOp, a: Val<'a>, b: Val<'a>) -> Val<'a> {
    let (Val::Num(x, ux, _), Val::Num(y, uy, _)) = (a, b) else {
        return Val::Unknown;
    };
    let (result, unit) = match op {
        ArithOp::Add | ArithOp::Sub => {
            let Ok(u) = join_units(ux, uy) else {
                return Val::Unknown;
            };
            let r = if op == ArithOp::Add {
                x.checked_add(y)
            } else {
                x.checked_sub(y)
            };
            (r, u)
        }
        ArithOp::Mul => match (ux, uy) {
            (Some(_), Some(_)) => return Val::Unknown,
            (u, None) | (None, u) => (x.checked_mul(y), u),
        },
        ArithOp::Div => {
            let u = match (ux, uy) {
                (u, None) => u,
                (Some(a), Some(b)) if a == b => None,
                _ => return Val::Unknown,
            };
            (x.checked_div(y), u)
        }
    };
    match result {
        Some(r) => Val::Num(r, unit, None),
        None => Val::Unknown,
    }
}

pub(super) fn compare<'a>(op: CmpOp, a: &Val<'a>, b: &Val<'a>) -> Val<'a> {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (Val::Num(x, ux, _), Val::Num(y, uy, _)) => {
            if join_units(*ux, *uy).is_err() {
                return Val::Unknown;
            }
            Some(x.cmp(y))
        }
        (Val::Status(x, _), Val::Status(y, _)) => Some(x.cmp(y)),
        (Val::Text(x), Val::Text(y)) => Some(x.as_ref().cmp(y.as_ref())),
        (Val::Unit(x), Val::Unit(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    };
    match ord {
        Some(ord) => Val::Bool(holds(op, ord)),
        None => Val::Unknown,
    }
}

/// `v is missing`, `v is deferred`, …
pub(super) fn is_kind(v: &Val<'_>, kind: IsKind) -> bool {
    match (kind, v) {
        (IsKind::Missing, v) => v.is_missing(),
        (IsKind::Kind(k), Val::Missing(m, _)) => k.matches(*m),
        (IsKind::Kind(_), _) => false,
    }
}

/// Is `v` (not missing) in `items`? True when an item equals it; else
/// unknown when an item could not be compared with it; else false. Items
/// are evaluated only until one matches.
pub(super) fn membership<'a, B: std::borrow::Borrow<Val<'a>>>(
    v: &Val<'a>,
    items: impl IntoIterator<Item = B>,
) -> Val<'a> {
    let mut unknown = false;
    for item in items {
        match compare(CmpOp::Eq, v, item.borrow()) {
            Val::Bool(true) => return Val::Bool(true),
            Val::Bool(false) => {}
            _ => unknown = true,
        }
    }
    if unknown {
        Val::Unknown
    } else {
        Val::Bool(false)
    }
}

/// Does `op` hold between two operands that compare as `ord`?
pub(super) fn holds(op: CmpOp, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering;
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}

/// A typed field's text as a value of its declared unit: a count is a
/// plain number, as a count measure's values are in the rules; text in
/// another unit (`5%` in a count field) is invalid.
pub fn typed_val(raw: &str, unit: Unit) -> Val<'_> {
    match parse_value(raw) {
        ValueText::Quantity(q) => match q.unit {
            Some(u) if u != unit => Val::Missing(MissingKind::Invalid, Some(raw)),
            _ if unit == Unit::Count => Val::Num(q.amount, None, Some(raw)),
            _ => Val::Num(q.amount, Some(unit), Some(raw)),
        },
        ValueText::Missing(k) => Val::Missing(k, Some(raw)),
        ValueText::Invalid { .. } => Val::Missing(MissingKind::Invalid, Some(raw)),
    }
}

/// A parsed value text as a run-time value in a measure of unit `unit`.
pub fn to_val<'a>(parsed: &ValueText, raw: &'a str, unit: Option<Unit>) -> Val<'a> {
    match parsed {
        ValueText::Quantity(q) => match (q.unit, unit) {
            (None, u) => Val::Num(q.amount, u, Some(raw)),
            (Some(a), Some(b)) if a != b => Val::Missing(MissingKind::Invalid, Some(raw)),
            (Some(a), _) => Val::Num(q.amount, Some(a), Some(raw)),
        },
        ValueText::Missing(k) => Val::Missing(*k, Some(raw)),
        ValueText::Invalid { .. } => Val::Missing(MissingKind::Invalid, Some(raw)),
    }
}
