//! Organization and location rules (api.md §4): tax identifiers per country of the legal seat,
//! and IANA time zones for locations.

/// Checks and normalises a tax id for an organization seated in `country` (api.md §4.1):
/// DE a USt-IdNr (`DE` + 9 digits) or a Steuernummer (10–13 digits, `/` and spaces allowed);
/// AT a UID (`ATU` + 8 digits); IT a partita IVA (11 digits, optional `IT` prefix, stored
/// without it). Other countries: 2–20 letters and digits. Returns the form to store.
pub fn normalize_tax_id(country: &str, raw: &str) -> Result<String, String> {
    let s = raw.trim();
    let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
    match country {
        "DE" => {
            if s.strip_prefix("DE").is_some_and(|d| digits(d, 9)) {
                return Ok(s.to_owned());
            }
            let core: String = s.chars().filter(|c| *c != '/' && *c != ' ').collect();
            if (10..=13).contains(&core.len()) && core.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(s.to_owned());
            }
            Err("tax_id must be a USt-IdNr (DE + 9 digits) or a Steuernummer".into())
        }
        "AT" => match s.strip_prefix("ATU") {
            Some(d) if digits(d, 8) => Ok(s.to_owned()),
            _ => Err("tax_id must be a UID number (ATU + 8 digits)".into()),
        },
        "IT" => {
            let d = s.strip_prefix("IT").unwrap_or(s);
            if digits(d, 11) {
                Ok(d.to_owned())
            } else {
                Err("tax_id must be a partita IVA (11 digits, optional IT prefix)".into())
            }
        }
        _ => {
            if (2..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
                Ok(s.to_owned())
            } else {
                Err("tax_id must be 2-20 letters and digits".into())
            }
        }
    }
}

/// True for an ISO 3166-1 alpha-2 shaped code (two upper-case letters).
pub fn is_country_code(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// True when `tz` names a zone in the bundled IANA database.
pub fn is_known_timezone(tz: &str) -> bool {
    !tz.is_empty() && jiff::tz::TimeZone::get(tz).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_ids_per_country() {
        assert_eq!(normalize_tax_id("DE", "DE123456789").unwrap(), "DE123456789");
        assert!(normalize_tax_id("DE", "21/815/08150").is_ok());
        assert!(normalize_tax_id("DE", "DE12345678").is_err());
        assert!(normalize_tax_id("AT", "ATU12345678").is_ok());
        assert!(normalize_tax_id("AT", "AT12345678").is_err());
        assert_eq!(normalize_tax_id("IT", "IT01234567890").unwrap(), "01234567890");
        assert_eq!(normalize_tax_id("IT", "01234567890").unwrap(), "01234567890");
        assert!(normalize_tax_id("IT", "0123456789").is_err());
        assert!(normalize_tax_id("FR", "FR12345678901").is_ok());
    }

    #[test]
    fn timezones() {
        assert!(is_known_timezone("Europe/Berlin"));
        assert!(!is_known_timezone("Europe/Atlantis"));
        assert!(!is_known_timezone(""));
    }
}
