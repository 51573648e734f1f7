use super::RenderOptions;
use crate::report::Report;
use std::io;
pub fn report(_r: &Report, _o: &RenderOptions, _out: &mut dyn io::Write) -> io::Result<()> {
    Ok(())
}
