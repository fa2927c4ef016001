//! Chinese licence plates (机动车号牌). Accepts the civil formats an officer meets on the street —
//! regular blue/yellow plates (湘J12345, with 挂/学/警/港/澳 suffixes) and new-energy plates
//! (small 湘JD12345, large 湘J12345D) — normalizes spacing, separators and case, and rejects
//! everything else with a message that says which rule failed.

use crate::{ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Province abbreviations of mainland China (31).
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
const SUFFIXES: &str = "挂学警港澳";

/// A validated, normalized plate such as `湘J12345` or `湘JD12345`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct Plate(String);

impl Plate {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the eight-character new-energy (新能源) formats.
    pub fn is_new_energy(&self) -> bool {
        self.0.chars().count() == 8
    }
}

/// Letters used on plates: A–Z without I and O (too close to 1 and 0).
fn plate_letter(c: char) -> bool {
    c.is_ascii_uppercase() && c != 'I' && c != 'O'
}

fn alnum(c: char) -> bool {
    plate_letter(c) || c.is_ascii_digit()
}

fn err(code: ValidationCode, raw: &str, reason: impl Into<String>) -> ValidationError {
    ValidationError::new("plate", code, reason).with("value", raw)
}

impl FromStr for Plate {
    type Err = ValidationError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let norm: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '-' | '.' | '・'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let chars: Vec<char> = norm.chars().collect();
        if chars.is_empty() {
            return Err(err(ValidationCode::Required, raw, "is empty"));
        }
        if !PROVINCES.contains(chars[0]) {
            return Err(err(
                ValidationCode::PlateProvince,
                raw,
                format!("`{raw}` must start with a province abbreviation such as 湘 or 京"),
            ));
        }
        if chars.len() < 2 || !plate_letter(chars[1]) {
            return Err(err(
                ValidationCode::PlateOffice,
                raw,
                format!(
                    "`{raw}`: the second character must be the issuing-office letter A–Z (not I or O)"
                ),
            ));
        }
        let rest = &chars[2..];
        let ok = match rest.len() {
            // Regular: five alphanumerics, the last may be a special-use suffix.
            5 => {
                rest[..4].iter().all(|&c| alnum(c))
                    && (alnum(rest[4]) || SUFFIXES.contains(rest[4]))
            }
            // New energy, small car: D/F, then one alphanumeric and four digits.
            // New energy, large vehicle: five digits, then D/F.
            6 => {
                let small = matches!(rest[0], 'D' | 'F')
                    && alnum(rest[1])
                    && rest[2..].iter().all(|c| c.is_ascii_digit());
                let large =
                    rest[..5].iter().all(|c| c.is_ascii_digit()) && matches!(rest[5], 'D' | 'F');
                small || large
            }
            n => {
                return Err(err(
                    ValidationCode::PlateLength,
                    raw,
                    format!(
                        "`{raw}` has {} characters; a plate has 7 (湘J12345) or 8 for new energy (湘JD12345)",
                        n + 2
                    ),
                )
                .with("n", n + 2));
            }
        };
        if !ok {
            return Err(err(
                ValidationCode::PlateFormat,
                raw,
                format!(
                    "`{raw}` is not a valid plate number (e.g. 湘J12345, or 湘JD12345 for new energy)"
                ),
            ));
        }
        Ok(Plate(norm))
    }
}

impl TryFrom<String> for Plate {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Plate> for String {
    fn from(p: Plate) -> Self {
        p.0
    }
}

impl fmt::Display for Plate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, &str>) {
        match (input.parse::<Plate>(), expected) {
            (Ok(p), Ok(want)) => assert_eq!(p.as_str(), want, "{input}"),
            (Err(e), Err(fragment)) => {
                assert_eq!(e.field, "plate");
                assert!(
                    e.reason.contains(fragment),
                    "{input}: `{}` lacks `{fragment}`",
                    e.reason
                )
            }
            (got, want) => panic!("{input}: got {got:?}, wanted {want:?}"),
        }
    }

    #[test]
    fn plate_table() {
        check("湘J12345", Ok("湘J12345"));
        check("湘j 12345", Ok("湘J12345"));
        check("湘J·A2B45", Ok("湘JA2B45"));
        check("京A1234学", Ok("京A1234学"));
        check("湘J1234挂", Ok("湘J1234挂"));
        check("湘JD12345", Ok("湘JD12345"));
        check("湘JF1A345", Err("not a valid plate"));
        check("湘JFA2345", Ok("湘JFA2345"));
        check("湘J12345D", Ok("湘J12345D"));
        check("粤B-12345", Ok("粤B12345"));
        check("", Err("empty"));
        check("XJ12345", Err("province"));
        check("湘112345", Err("issuing-office letter"));
        check("湘I12345", Err("issuing-office letter"));
        check("湘J1234", Err("has 6 characters"));
        check("湘J123456789", Err("has 11 characters"));
        check("湘J12O45", Err("not a valid plate"));
        check("湘JX12345", Err("not a valid plate"));
        check("湘J1234D5", Err("not a valid plate"));
        check("湘J12345学", Err("not a valid plate"));
    }
}
