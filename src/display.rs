//! How numbers with units are written back to people.

use rust_decimal::Decimal;

use crate::value::Unit;

/// `94.5` percent → `94.5%`, `-5000` gbp → `-£5,000`, `8.37` days → `8.37 days`.
pub fn amount(value: Decimal, unit: Option<Unit>) -> String {
    let n = value.normalize();
    let negative = n.is_sign_negative() && !n.is_zero();
    let abs = n.abs();
    match unit {
        Some(Unit::Percent) => format!("{n}%"),
        Some(Unit::Gbp) => money("£", negative, abs),
        Some(Unit::Usd) => money("$", negative, abs),
        Some(Unit::Eur) => money("€", negative, abs),
        Some(Unit::Days) => format!("{n} {}", if abs == Decimal::ONE { "day" } else { "days" }),
        Some(Unit::Minutes) => format!("{n} mins"),
        Some(Unit::Hours) => format!("{n} hours"),
        Some(Unit::Count) | None => n.to_string(),
    }
}

fn money(symbol: &str, negative: bool, abs: Decimal) -> String {
    let text = abs.to_string();
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (text, None),
    };
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if negative { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{symbol}{grouped}.{f}"),
        None => format!("{sign}{symbol}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_people_write_them() {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        assert_eq!(amount(d("94.50"), Some(Unit::Percent)), "94.5%");
        assert_eq!(amount(d("-5000"), Some(Unit::Gbp)), "-£5,000");
        assert_eq!(amount(d("1234567.5"), Some(Unit::Gbp)), "£1,234,567.5");
        assert_eq!(amount(d("8.37"), Some(Unit::Days)), "8.37 days");
        assert_eq!(amount(d("945"), None), "945");
    }
}
