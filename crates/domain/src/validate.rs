//! SPEC §3: validation of the case record's fields (联系电话, 居民身份证号, 统一社会信用代码,
//! free text) and masking for lists, exports and public pages.
//!
//! Input typed through a Chinese IME often carries full-width characters (`１３８`, `－`, `（`,
//! U+3000); every parser folds them to ASCII first. Error messages are Chinese and name the
//! field, so the web layer can show them beside it.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{DomainError, Result};

/// Folds full-width ASCII (U+FF01..U+FF5E), the ideographic space and typographic dashes to
/// their ASCII forms.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        _ => c,
    }
}

// ---- 联系电话 ------------------------------------------------------------------------------

const PHONE_MSG: &str = "联系电话格式不正确：应为11位手机号或带区号的固定电话";

fn bad_phone() -> DomainError {
    DomainError::invalid("phone", PHONE_MSG)
}

/// The kind of a validated phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// Mainland mobile, `1[3-9]` + 9 digits (can receive SMS).
    Mobile,
    /// Fixed line with area code, `0377-65331234`, optionally `-123` extension.
    FixedLine,
    /// Nationwide 400/800 service number, `400-123-4567`.
    Service,
}

/// A validated contact phone (SPEC §3 联系电话: mainland mobile or fixed line), normalized:
/// - mobile: 11 digits, `13812345678` (a `+86`/`86`/`0086` prefix is dropped);
/// - fixed line: `area-subscriber[-extension]`, `0377-65331234`, `010-62345678-123`
///   (area code `010`, `02X` or `0XXX`; subscriber 7–8 digits not starting with 0 or 1;
///   extension 1–6 digits, written `-123` or `转123`);
/// - service: `400-123-4567` / `800-123-4567` (businesses sometimes give these).
///
/// Short service numbers such as 12345 or 95xxx are refused on purpose: the field is the
/// applicant's own number for call-backs and 回访; a 12345 转办 case carries the caller's number
/// in the work order, and 12345 itself would make every hotline case look like one applicant
/// (SPEC §4.2 repeat trips are linked by phone).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

fn is_mobile(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Length of the area code (with its leading 0) that `digits` starts with: `010` and `02X` are
/// 3 long, `0[3-9]XX` 4 long.
fn area_code_len(digits: &str) -> Option<usize> {
    let b = digits.as_bytes();
    let len = match (b.first(), b.get(1), b.get(2)) {
        (Some(b'0'), Some(b'1'), Some(b'0')) => 3,
        (Some(b'0'), Some(b'2'), Some(_)) => 3,
        (Some(b'0'), Some(b'3'..=b'9'), _) => 4,
        _ => return None,
    };
    (b.len() >= len).then_some(len)
}

fn is_subscriber(s: &str) -> bool {
    all_digits(s) && (7..=8).contains(&s.len()) && !s.starts_with(['0', '1'])
}

impl Phone {
    pub fn parse(s: &str) -> Result<Phone> {
        let folded: String = s.chars().map(fold_width).collect();
        let (main, ext) = match folded.split_once('转') {
            Some((m, e)) => {
                let e = e.trim();
                if !all_digits(e) || e.len() > 6 {
                    return Err(bad_phone());
                }
                (m.trim(), Some(e.to_owned()))
            }
            None => (folded.trim(), None),
        };
        let (intl, rest) = match main.strip_prefix('+') {
            Some(r) => (true, r),
            None => (false, main),
        };
        if rest.chars().any(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')'))) {
            return Err(bad_phone());
        }
        let groups: Vec<&str> = rest.split([' ', '-', '(', ')']).filter(|g| !g.is_empty()).collect();
        let digits: String = groups.concat();

        // Mobile, with an optional country code.
        let national = if intl {
            digits.strip_prefix("86").ok_or_else(bad_phone)?
        } else if !is_mobile(&digits) {
            digits.strip_prefix("0086").or_else(|| digits.strip_prefix("86")).unwrap_or(&digits)
        } else {
            &digits
        };
        if is_mobile(national) {
            if ext.is_some() {
                return Err(bad_phone());
            }
            return Ok(Phone(national.to_owned()));
        }
        if intl {
            return Err(bad_phone());
        }

        // 400/800 service numbers.
        if ext.is_none() && digits.len() == 10 && (digits.starts_with("400") || digits.starts_with("800")) {
            return Ok(Phone(format!("{}-{}-{}", &digits[..3], &digits[3..6], &digits[6..])));
        }

        // Fixed line: the first group is the area code, or the area code with the subscriber.
        let first = groups.first().ok_or_else(bad_phone)?;
        let area_len = area_code_len(first).ok_or_else(bad_phone)?;
        let area = &first[..area_len];
        let mut sub_groups: Vec<&str> = Vec::with_capacity(groups.len());
        if first.len() > area_len {
            sub_groups.push(&first[area_len..]);
        }
        sub_groups.extend_from_slice(&groups[1..]);
        let whole = sub_groups.concat();
        let (subscriber, ext) = match ext {
            Some(e) => (whole, Some(e)),
            None if is_subscriber(&whole) => (whole, None),
            None => match sub_groups.split_last() {
                Some((last, head)) if !head.is_empty() && last.len() <= 6 => {
                    (head.concat(), Some((*last).to_owned()))
                }
                _ => return Err(bad_phone()),
            },
        };
        if !is_subscriber(&subscriber) {
            return Err(bad_phone());
        }
        Ok(Phone(match ext {
            Some(e) => format!("{area}-{subscriber}-{e}"),
            None => format!("{area}-{subscriber}"),
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> PhoneKind {
        if self.0.starts_with('0') {
            PhoneKind::FixedLine
        } else if self.0.contains('-') {
            PhoneKind::Service
        } else {
            PhoneKind::Mobile
        }
    }

    /// The extension of a fixed line, if any.
    pub fn extension(&self) -> Option<&str> {
        match self.kind() {
            PhoneKind::FixedLine => self.0.splitn(3, '-').nth(2),
            _ => None,
        }
    }

    /// The last 4 digits of the number itself (a fixed line's extension is not part of it).
    pub fn last4(&self) -> &str {
        let number = match self.kind() {
            PhoneKind::FixedLine => self.0.split('-').nth(1).unwrap_or(&self.0),
            _ => &self.0,
        };
        &number[number.len() - 4..]
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Phone {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Phone> {
        Phone::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

// ---- 居民身份证号 ------------------------------------------------------------------------

fn bad_id(message: impl Into<String>) -> DomainError {
    DomainError::invalid("id_number", message)
}

/// GB 11643-1999: ISO 7064 MOD 11-2 weights of the first 17 digits (2^(17-i) mod 11).
const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The GB 11643-1999 check character of 17 ASCII digits.
fn id_check_char(first17: &[u8]) -> char {
    let sum: u32 = first17.iter().zip(ID_WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    match (12 - sum % 11) % 11 {
        10 => 'X',
        v => char::from(b'0' + v as u8),
    }
}

/// An 18-digit 居民身份证号 (GB 11643-1999): 6-digit area code (first digit 1–9), birth date
/// `YYYYMMDD` from 1900-01-01 to 2100-12-31 (a fixed bound: the domain has no clock), 3-digit
/// sequence, check character 0–9 or `X` (lowercase `x` accepted, normalized to `X`).
/// SPEC §3: stored masked in every list and export, see [`mask_id`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

impl IdNumber {
    pub fn parse(s: &str) -> Result<IdNumber> {
        let t: String = s
            .chars()
            .map(fold_width)
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let n = t.chars().count();
        if n != 18 {
            return Err(bad_id(format!("身份证号码长度不正确：应为18位，实际为{n}位")));
        }
        let b = t.as_bytes();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(bad_id("身份证号码格式不正确：前17位应为数字，最后一位为数字或X"));
        }
        if b[0] == b'0' {
            return Err(bad_id("身份证号码地址码不正确：首位不能为0"));
        }
        let birth_ok = Self::birth_of(&t).is_some_and(|d| (min_birth()..=max_birth()).contains(&d));
        if !birth_ok {
            return Err(bad_id(format!(
                "身份证号码出生日期不正确：{}不是1900年至2100年之间的有效日期",
                &t[6..14]
            )));
        }
        if id_check_char(&b[..17]) != char::from(b[17]) {
            return Err(bad_id("身份证号码校验位不正确，请核对号码"));
        }
        Ok(IdNumber(t))
    }

    fn birth_of(t: &str) -> Option<NaiveDate> {
        let y = t[6..10].parse().ok()?;
        let m = t[10..12].parse().ok()?;
        let d = t[12..14].parse().ok()?;
        NaiveDate::from_ymd_opt(y, m, d)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date encoded in positions 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        Self::birth_of(&self.0).unwrap_or_else(min_birth)
    }
}

fn min_birth() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn max_birth() -> NaiveDate {
    NaiveDate::from_ymd_opt(2100, 12, 31).unwrap_or(NaiveDate::MAX)
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for IdNumber {
    type Error = DomainError;
    fn try_from(s: String) -> Result<IdNumber> {
        IdNumber::parse(&s)
    }
}

impl From<IdNumber> for String {
    fn from(v: IdNumber) -> String {
        v.0
    }
}

// ---- 统一社会信用代码 --------------------------------------------------------------------

fn bad_credit(message: impl Into<String>) -> DomainError {
    DomainError::invalid("credit_code", message)
}

/// GB 32100-2015: the 31 code characters (no I, O, Z, S, V); a character's value is its index.
const CREDIT_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// GB 32100-2015: weights of positions 1–17 (3^(i-1) mod 31).
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

fn credit_value(b: u8) -> Option<u32> {
    CREDIT_CHARSET.iter().position(|&c| c == b).map(|i| i as u32)
}

/// The GB 32100-2015 check character of the first 17 code characters:
/// 31 − (Σ value × weight mod 31), where 31 becomes 0. `None` if a character is not in the set.
pub fn credit_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in first17.bytes().zip(CREDIT_WEIGHTS) {
        sum += credit_value(b)? * w;
    }
    let v = (31 - sum % 31) % 31;
    Some(char::from(CREDIT_CHARSET[v as usize]))
}

/// A 统一社会信用代码 (GB 32100-2015): 18 characters from `0123456789ABCDEFGHJKLMNPQRTUWXY`,
/// the last one a check character. Input is upper-cased. Not personal data: shown unmasked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    pub fn parse(s: &str) -> Result<CreditCode> {
        let t: String = s
            .chars()
            .map(fold_width)
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let n = t.chars().count();
        if n != 18 {
            return Err(bad_credit(format!("统一社会信用代码长度不正确：应为18位，实际为{n}位")));
        }
        if let Some(c) = t.chars().find(|&c| !c.is_ascii() || credit_value(c as u8).is_none()) {
            return Err(bad_credit(format!(
                "统一社会信用代码含有无效字符“{c}”：只能使用数字和除I、O、Z、S、V以外的大写字母"
            )));
        }
        if credit_check_char(&t[..17]) != t[17..].chars().next() {
            return Err(bad_credit("统一社会信用代码校验位不正确，请核对代码"));
        }
        Ok(CreditCode(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = DomainError;
    fn try_from(s: String) -> Result<CreditCode> {
        CreditCode::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(v: CreditCode) -> String {
        v.0
    }
}

// ---- Free text ---------------------------------------------------------------------------

/// Length limits, in characters, of the case record's free-text fields (SPEC §3 登记表;
/// 4.4 reasons; 4.5 notes, reply, comment). `min == 0` means the field is optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limit {
    pub min: usize,
    pub max: usize,
}

impl Limit {
    /// [`text`] with this limit.
    pub fn check(self, field: &'static str, label: &str, value: &str) -> Result<String> {
        text(field, label, value, self.min, self.max)
    }
}

/// 办理对象姓名.
pub const APPLICANT_NAME: Limit = Limit { min: 1, max: 50 };
/// "办不成事"情况记录.
pub const DESCRIPTION: Limit = Limit { min: 1, max: 2000 };
/// 事项名称 (optional).
pub const MATTER: Limit = Limit { min: 0, max: 100 };
/// 企业名称 (optional).
pub const ENTERPRISE_NAME: Limit = Limit { min: 0, max: 100 };
/// Reasons (否定答复理由, 退单/提级/延期 reasons).
pub const REASONS: Limit = Limit { min: 1, max: 2000 };
/// Notes (核查意见, 处理情况, 督办 notes).
pub const NOTES: Limit = Limit { min: 1, max: 2000 };
/// The reply to the applicant (回复).
pub const REPLY: Limit = Limit { min: 1, max: 2000 };
/// 回访 comment (optional).
pub const COMMENT: Limit = Limit { min: 0, max: 500 };

/// The table of the limits above by field name, e.g. for `maxlength` attributes.
pub const FIELD_LIMITS: [(&str, Limit); 8] = [
    ("applicant_name", APPLICANT_NAME),
    ("description", DESCRIPTION),
    ("matter", MATTER),
    ("enterprise_name", ENTERPRISE_NAME),
    ("reasons", REASONS),
    ("notes", NOTES),
    ("reply", REPLY),
    ("comment", COMMENT),
];

/// Trims; checks length in chars (not bytes) between min and max; rejects control chars except
/// `\n` and `\t`. Line breaks are normalized to `\n` first (browsers submit textareas as CRLF).
pub fn text(field: &'static str, label: &str, value: &str, min: usize, max: usize) -> Result<String> {
    let v = value.replace("\r\n", "\n").replace('\r', "\n");
    let v = v.trim();
    if let Some(c) = v.chars().find(|&c| c.is_control() && c != '\n' && c != '\t') {
        return Err(DomainError::invalid(
            field,
            format!("{label}含有不允许的控制字符（U+{:04X}）", u32::from(c)),
        ));
    }
    let n = v.chars().count();
    if n < min {
        let message =
            if n == 0 { format!("{label}不能为空") } else { format!("{label}至少需要{min}个字") };
        return Err(DomainError::invalid(field, message));
    }
    if n > max {
        return Err(DomainError::invalid(field, format!("{label}不能超过{max}个字（当前{n}个字）")));
    }
    Ok(v.to_owned())
}

/// Like [`text`] for an optional field: absent, empty or whitespace → `None`; otherwise
/// 1..=max characters.
pub fn optional_text(
    field: &'static str,
    label: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => text(field, label, v, 1, max).map(Some),
        _ => Ok(None),
    }
}

/// Like [`text`] for a one-line field (names): also refuses line breaks and tabs.
pub fn single_line(field: &'static str, label: &str, value: &str, min: usize, max: usize) -> Result<String> {
    let v = text(field, label, value, min, max)?;
    if v.contains(['\n', '\t']) {
        return Err(DomainError::invalid(field, format!("{label}不能包含换行或制表符")));
    }
    Ok(v)
}

// ---- Masking -----------------------------------------------------------------------------

fn stars(n: usize) -> String {
    "*".repeat(n)
}

/// Masks a phone for lists and public pages: mobile `138****5678`; fixed line `0377-****1234`
/// (extension kept); service `400-***-4567`. Anything that does not parse as a phone keeps its
/// last 4 characters if it has 7 or more, its last 2 if it has 3 to 6, and nothing otherwise.
pub fn mask_phone(s: &str) -> String {
    if let Ok(p) = Phone::parse(s) {
        let v = p.as_str();
        return match p.kind() {
            PhoneKind::Mobile => format!("{}****{}", &v[..3], &v[7..]),
            PhoneKind::Service => format!("{}-***-{}", &v[..3], &v[8..]),
            PhoneKind::FixedLine => {
                let mut parts = v.splitn(3, '-');
                let area = parts.next().unwrap_or("");
                let sub = parts.next().unwrap_or("");
                let cut = sub.len().saturating_sub(4);
                let mut out = format!("{area}-{}{}", stars(cut), &sub[cut..]);
                if let Some(ext) = parts.next() {
                    out.push('-');
                    out.push_str(ext);
                }
                out
            }
        };
    }
    let chars: Vec<char> = s.trim().chars().collect();
    let keep = match chars.len() {
        n if n >= 7 => 4,
        n if n >= 3 => 2,
        _ => 0,
    };
    let cut = chars.len() - keep;
    stars(cut) + &chars[cut..].iter().collect::<String>()
}

/// Masks an ID number (SPEC §3: stored masked in every list and export): 18 characters → first
/// 6 + 8 stars + last 4 (`410325********123X`). Other lengths (legacy 15-digit numbers, bad
/// data) keep only the last 4 when longer than 8 characters, and nothing otherwise.
pub fn mask_id(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        18 => (6, 4),
        n if n > 8 => (0, 4),
        _ => (0, 0),
    };
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&stars(n - head - tail));
    out.extend(&chars[n - tail..]);
    out
}

/// Masks a person's name for public pages: the first character, then one star per remaining
/// character (`张三` → `张*`, `欧阳娜娜` → `欧***`). A one-character name becomes `*`.
pub fn mask_name(s: &str) -> String {
    let mut chars = s.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) => match chars.count() {
            0 => "*".to_owned(),
            rest => format!("{first}{}", stars(rest)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of<T: fmt::Debug>(r: Result<T>) -> &'static str {
        match r {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    fn message_of<T: fmt::Debug>(r: Result<T>) -> String {
        match r {
            Err(e) => e.message().to_owned(),
            Ok(v) => panic!("expected an error, got {v:?}"),
        }
    }

    // ---- phone ----

    #[test]
    fn spec_3_phone_accepts_mainland_mobiles_and_normalizes_to_11_digits() {
        for (input, want) in [
            ("13812345678", "13812345678"),
            (" 138 1234 5678 ", "13812345678"),
            ("138-1234-5678", "13812345678"),
            ("+86 138 1234 5678", "13812345678"),
            ("+86-13812345678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("008613812345678", "13812345678"),
            ("１３８１２３４５６７８", "13812345678"),
            ("19912345678", "19912345678"),
        ] {
            let p = Phone::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(p.as_str(), want, "{input}");
            assert_eq!(p.kind(), PhoneKind::Mobile);
            assert_eq!(p.last4(), &want[7..]);
        }
    }

    #[test]
    fn spec_3_phone_rejects_bad_mobiles_with_field_phone() {
        for input in [
            "",
            "   ",
            "12812345678",  // second digit 2
            "1381234567",   // 10 digits
            "138123456789", // 12 digits
            "+1 138 1234 5678",
            "+8613812345678转12",
            "138a1234567",
            "13812345678 / 13912345678",
        ] {
            let r = Phone::parse(input);
            assert_eq!(field_of(r.clone()), "phone", "{input}");
            assert_eq!(message_of(r), PHONE_MSG);
        }
    }

    #[test]
    fn spec_3_phone_accepts_fixed_lines_with_area_code_and_normalizes_with_a_dash() {
        for (input, want, last4) in [
            ("0377-65331234", "0377-65331234", "1234"),
            ("037765331234", "0377-65331234", "1234"),
            ("0377 6533 1234", "0377-65331234", "1234"),
            ("(0377)65331234", "0377-65331234", "1234"),
            ("（0377）6533-1234", "0377-65331234", "1234"),
            ("0377－6533123", "0377-6533123", "3123"),
            ("010-62345678", "010-62345678", "5678"),
            ("01062345678", "010-62345678", "5678"),
            ("021 5123 4567", "021-51234567", "4567"),
            ("0377-65331234-123", "0377-65331234-123", "1234"),
            ("0377-65331234转123", "0377-65331234-123", "1234"),
            ("037765331234 转 8", "0377-65331234-8", "1234"),
        ] {
            let p = Phone::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(p.as_str(), want, "{input}");
            assert_eq!(p.kind(), PhoneKind::FixedLine, "{input}");
            assert_eq!(p.last4(), last4, "{input}");
            // Normalized forms parse to themselves.
            assert_eq!(Phone::parse(want).unwrap(), p);
        }
        assert_eq!(Phone::parse("0377-65331234-123").unwrap().extension(), Some("123"));
        assert_eq!(Phone::parse("0377-65331234").unwrap().extension(), None);
    }

    #[test]
    fn spec_3_phone_rejects_fixed_lines_without_area_code_or_with_bad_parts() {
        for input in [
            "65331234",               // no area code
            "6533-1234",              // no area code
            "0377-653312",            // 6-digit subscriber
            "0377-653312345",         // 9-digit subscriber
            "0377-05331234",          // subscriber starting with 0
            "0377-15331234",          // subscriber starting with 1
            "011-62345678",           // 01X other than 010
            "00-62345678",            // 00 is the international prefix
            "0377-65331234转",        // empty extension
            "0377-65331234转1234567", // 7-digit extension
            "0377-65331234-1234567",
            "+86 377 6533 1234", // international fixed-line form is not accepted
            "03-7765331234",     // separator not at the area code boundary
        ] {
            assert_eq!(field_of(Phone::parse(input)), "phone", "{input}");
        }
    }

    #[test]
    fn spec_3_phone_accepts_400_and_800_service_numbers() {
        for (input, want) in [
            ("400-123-4567", "400-123-4567"),
            ("4001234567", "400-123-4567"),
            ("400 1234 567", "400-123-4567"),
            ("800-123-4567", "800-123-4567"),
        ] {
            let p = Phone::parse(input).unwrap();
            assert_eq!(p.as_str(), want);
            assert_eq!(p.kind(), PhoneKind::Service);
            assert_eq!(p.last4(), "4567");
        }
        assert!(Phone::parse("400-123-456").is_err());
        assert!(Phone::parse("400-123-4567转8").is_err());
    }

    #[test]
    fn spec_3_phone_refuses_short_service_numbers_such_as_12345() {
        for input in ["12345", "110", "95588", "0377-12345"] {
            assert_eq!(field_of(Phone::parse(input)), "phone", "{input}");
        }
    }

    #[test]
    fn phone_serde_round_trips_and_validates_on_deserialize() {
        let p = Phone::parse("0377-65331234").unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"0377-65331234\"");
        assert_eq!(serde_json::from_str::<Phone>(&json).unwrap(), p);
        assert!(serde_json::from_str::<Phone>("\"12345\"").is_err());
    }

    // ---- ID number ----

    #[test]
    fn gb11643_accepts_the_standard_example_and_normalizes_lowercase_x() {
        // GB 11643-1999's own example number.
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(IdNumber::parse("11010519491231002x").unwrap(), id);
        assert_eq!(IdNumber::parse(" 110105 19491231 002x ").unwrap(), id);
        assert_eq!(IdNumber::parse("１１０１０５１９４９１２３１００２Ｘ").unwrap(), id);
        assert!(IdNumber::parse("440524198001010013").is_ok());
        assert!(IdNumber::parse("410325199003071236").is_ok());
    }

    #[test]
    fn gb11643_check_char_is_iso7064_mod_11_2() {
        assert_eq!(id_check_char(b"11010519491231002"), 'X');
        assert_eq!(id_check_char(b"44052419800101001"), '3');
        // Every single-digit change of a body digit changes the check char (MOD 11-2 property).
        let base = *b"11010519491231002";
        for i in 0..17 {
            for digit in b'0'..=b'9' {
                if digit == base[i] {
                    continue;
                }
                let mut m = base;
                m[i] = digit;
                assert_ne!(id_check_char(&m), 'X', "position {i} digit {digit}");
            }
        }
    }

    #[test]
    fn gb11643_rejects_wrong_length_with_a_length_message() {
        for input in ["", "11010519491231002", "11010519491231002X1", "110105491231002"] {
            let r = IdNumber::parse(input);
            assert_eq!(field_of(r.clone()), "id_number", "{input}");
            assert!(message_of(r).contains("长度"), "{input}");
        }
    }

    #[test]
    fn gb11643_rejects_bad_characters_and_area_code() {
        for input in ["1101051949123100XX", "11010519491231002Y", "1101A519491231002X"] {
            let r = IdNumber::parse(input);
            assert_eq!(field_of(r.clone()), "id_number", "{input}");
            assert!(message_of(r).contains("格式"), "{input}");
        }
        // First digit 0: recompute the check char so only the area code is wrong.
        let body = b"01010519491231002";
        let input = format!("{}{}", std::str::from_utf8(body).unwrap(), id_check_char(body));
        assert!(message_of(IdNumber::parse(&input)).contains("地址码"));
    }

    #[test]
    fn gb11643_rejects_impossible_or_out_of_range_birth_dates_with_a_birth_date_message() {
        for birth in ["19490230", "19491301", "18991231", "21010101", "20230229", "00000000"] {
            let body = format!("110105{birth}002");
            let input = format!("{body}{}", id_check_char(body.as_bytes()));
            let r = IdNumber::parse(&input);
            assert_eq!(field_of(r.clone()), "id_number", "{input}");
            assert!(message_of(r).contains("出生日期"), "{input}");
        }
        for birth in ["19000101", "20000229", "21001231"] {
            let body = format!("110105{birth}002");
            let input = format!("{body}{}", id_check_char(body.as_bytes()));
            assert!(IdNumber::parse(&input).is_ok(), "{input}");
        }
    }

    #[test]
    fn gb11643_rejects_a_wrong_check_char_with_a_check_message() {
        for input in ["110105194912310021", "440524198001010014", "11010519491231003X"] {
            let r = IdNumber::parse(input);
            assert_eq!(field_of(r.clone()), "id_number", "{input}");
            assert!(message_of(r).contains("校验位"), "{input}");
        }
    }

    // ---- credit code ----

    /// Recomputes the GB 32100-2015 checksum independently of `credit_check_char`.
    fn reference_check(code: &str) -> char {
        let set = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        let mut weight = 1u32;
        let mut sum = 0u32;
        for c in code.chars().take(17) {
            sum += set.find(c).unwrap() as u32 * weight;
            weight = weight * 3 % 31;
        }
        set.chars().nth(((31 - sum % 31) % 31) as usize).unwrap()
    }

    /// Codes as published (the brief's example and codes of large companies); each one's
    /// checksum is verified here before it is used.
    const PUBLISHED_CODES: [&str; 4] =
        ["91350100M000100Y43", "914403001922038216", "91440300708461136T", "91110108551385082Q"];

    #[test]
    fn gb32100_weights_are_powers_of_3_mod_31() {
        let mut w = 1;
        for expected in CREDIT_WEIGHTS {
            assert_eq!(expected, w);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn gb32100_accepts_published_codes_whose_checksum_verifies() {
        for code in PUBLISHED_CODES {
            assert_eq!(reference_check(code), code.chars().last().unwrap(), "{code}");
            assert_eq!(CreditCode::parse(code).unwrap().as_str(), code);
            let lower = code.to_lowercase();
            assert_eq!(CreditCode::parse(&lower).unwrap().as_str(), code, "uppercased");
        }
        assert_eq!(CreditCode::parse(" 91350100M000100Y43 ").unwrap().as_str(), "91350100M000100Y43");
    }

    #[test]
    fn gb32100_rejects_every_single_character_mutation_of_a_valid_code() {
        let set = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        for code in PUBLISHED_CODES {
            let chars: Vec<char> = code.chars().collect();
            for i in 0..18 {
                for c in set.chars().filter(|&c| c != chars[i]) {
                    let mut m = chars.clone();
                    m[i] = c;
                    let m: String = m.into_iter().collect();
                    let r = CreditCode::parse(&m);
                    assert_eq!(field_of(r.clone()), "credit_code", "{m}");
                    assert!(message_of(r).contains("校验位"), "{m}");
                }
            }
        }
    }

    #[test]
    fn gb32100_rejects_wrong_length_and_the_letters_i_o_z_s_v() {
        for input in ["", "91350100M000100Y4", "91350100M000100Y433"] {
            let r = CreditCode::parse(input);
            assert_eq!(field_of(r.clone()), "credit_code", "{input}");
            assert!(message_of(r).contains("长度"), "{input}");
        }
        for bad in ['I', 'O', 'Z', 'S', 'V', '-', '中'] {
            let input = format!("91350100{bad}000100Y43");
            let r = CreditCode::parse(&input);
            assert_eq!(field_of(r.clone()), "credit_code", "{input}");
            assert!(message_of(r).contains("无效字符"), "{input}");
        }
    }

    // ---- text ----

    #[test]
    fn text_trims_and_counts_characters_not_bytes() {
        assert_eq!(text("matter", "事项名称", "  营业执照  ", 1, 4).unwrap(), "营业执照");
        // 4 Chinese characters are 12 bytes but 4 chars.
        assert!(text("matter", "事项名称", "营业执照", 1, 4).is_ok());
        let r = text("matter", "事项名称", "营业执照办理", 1, 4);
        assert_eq!(field_of(r.clone()), "matter");
        assert_eq!(message_of(r), "事项名称不能超过4个字（当前6个字）");
    }

    #[test]
    fn text_rejects_empty_and_too_short_values_naming_the_field() {
        let r = text("description", "情况记录", " \u{3000}\n ", 1, 2000);
        assert_eq!(field_of(r.clone()), "description");
        assert_eq!(message_of(r), "情况记录不能为空");
        let r = text("description", "情况记录", "短", 2, 2000);
        assert_eq!(message_of(r), "情况记录至少需要2个字");
        assert_eq!(text("comment", "评价", "  ", 0, 500).unwrap(), "");
    }

    #[test]
    fn text_rejects_control_characters_but_keeps_newlines_and_tabs() {
        assert_eq!(text("notes", "处理情况", "第一行\r\n第二行\t完", 1, 2000).unwrap(), "第一行\n第二行\t完");
        for bad in ["a\u{0}b", "a\u{7}b", "a\u{1b}[31mb", "a\u{7f}b"] {
            let r = text("notes", "处理情况", bad, 1, 2000);
            assert_eq!(field_of(r.clone()), "notes");
            assert!(message_of(r).contains("控制字符"));
        }
    }

    #[test]
    fn optional_text_maps_absent_empty_and_whitespace_to_none() {
        assert_eq!(optional_text("matter", "事项名称", None, 100), Ok(None));
        assert_eq!(optional_text("matter", "事项名称", Some(""), 100), Ok(None));
        assert_eq!(optional_text("matter", "事项名称", Some(" \t "), 100), Ok(None));
        assert_eq!(
            optional_text("matter", "事项名称", Some(" 食品经营许可 "), 100),
            Ok(Some("食品经营许可".to_owned()))
        );
        let long = "字".repeat(101);
        assert_eq!(field_of(optional_text("matter", "事项名称", Some(&long), 100)), "matter");
    }

    #[test]
    fn single_line_refuses_line_breaks_in_names() {
        assert_eq!(single_line("applicant_name", "姓名", " 张三 ", 1, 50).unwrap(), "张三");
        assert_eq!(field_of(single_line("applicant_name", "姓名", "张\n三", 1, 50)), "applicant_name");
    }

    #[test]
    fn field_limits_match_the_brief() {
        assert_eq!(APPLICANT_NAME, Limit { min: 1, max: 50 });
        assert_eq!(DESCRIPTION, Limit { min: 1, max: 2000 });
        assert_eq!(MATTER, Limit { min: 0, max: 100 });
        assert_eq!(ENTERPRISE_NAME, Limit { min: 0, max: 100 });
        for l in [REASONS, NOTES, REPLY] {
            assert_eq!(l, Limit { min: 1, max: 2000 });
        }
        assert_eq!(COMMENT, Limit { min: 0, max: 500 });
        assert_eq!(FIELD_LIMITS.len(), 8);
        assert!(APPLICANT_NAME.check("applicant_name", "姓名", &"名".repeat(50)).is_ok());
        assert!(APPLICANT_NAME.check("applicant_name", "姓名", &"名".repeat(51)).is_err());
        assert!(MATTER.check("matter", "事项名称", "").is_ok());
    }

    // ---- masking ----

    #[test]
    fn mask_phone_hides_the_middle_of_mobiles_and_the_subscriber_of_fixed_lines() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("+86 138 1234 5678"), "138****5678");
        assert_eq!(mask_phone("0377-65331234"), "0377-****1234");
        assert_eq!(mask_phone("0377-6533123"), "0377-***3123");
        assert_eq!(mask_phone("010-62345678-123"), "010-****5678-123");
        assert_eq!(mask_phone("400-123-4567"), "400-***-4567");
    }

    #[test]
    fn mask_phone_of_unparseable_values_keeps_only_a_short_tail() {
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_phone("110"), "*10");
        assert_eq!(mask_phone("12"), "**");
        assert_eq!(mask_phone("6533123"), "***3123");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn mask_id_shows_area_code_and_last_4_only() {
        assert_eq!(mask_id("41032519900307123X"), "410325********123X");
        assert_eq!(mask_id("11010519491231002X"), "110105********002X");
        assert_eq!(mask_id("410325900307123"), "***********7123");
        assert_eq!(mask_id("1234"), "****");
        assert_eq!(mask_id(""), "");
    }

    #[test]
    fn mask_name_keeps_the_first_character_for_public_pages() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name(" 买买提·艾力 "), "买*****");
        assert_eq!(mask_name("张"), "*");
        assert_eq!(mask_name(""), "");
    }
}
