//! Python's float `repr`, the number format of SCALE-Sim's reports and DRAM traces
//! (see `docs/semantics/scalesim.md`, "Number formatting").

/// Formats `x` exactly as CPython's `repr(float)` (and numpy's `str(float64)`): the shortest
/// digits that read back to `x`, positional when the decimal exponent is in `-4..16` (with at
/// least one digit after the point), scientific otherwise (`1e-05`, `2.5e+16`).
pub fn py_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    // Rust's `{:e}` gives the shortest round-trip digits, like Python's repr.
    let s = format!("{x:e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::with_capacity(24);
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
    }
    out
}

/// An integral value as Python prints the float it was stored in (`33.0`, `-66.0`).
pub(crate) fn py_int_float(v: i64) -> String {
    py_float_repr(v as f64)
}

#[cfg(test)]
mod tests {
    use super::py_float_repr as r;

    #[test]
    fn matches_python_repr() {
        for (x, s) in [
            (33.0, "33.0"),
            (-66.0, "-66.0"),
            (1.0, "1.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (2.5e-7, "2.5e-07"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (9999999999999998.0, "9999999999999998.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (62.5, "62.5"),
            (59.999999999999986, "59.999999999999986"),
            (91.68309650614964, "91.68309650614964"),
            (0.31035864734643714, "0.31035864734643714"),
            (10000384.0, "10000384.0"),
            (-0.0, "-0.0"),
            (f64::INFINITY, "inf"),
            (1e22, "1e+22"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.3333333333333333"),
            (100.0, "100.0"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ] {
            assert_eq!(r(x), s, "{x:e}");
        }
    }
}
