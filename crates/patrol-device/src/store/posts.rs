//! Manual post check-ins (驻点路口): the rules the app and the CLI share. A check-in must name a
//! post of the reference data (when the device has any) and must change something — arriving at
//! a post already held, or leaving one never arrived at, is refused with nothing written. The
//! rule and the append run in one transaction, so two check-ins cannot both pass the check.

use super::{Capture, Store};
use crate::{Error, Result, views};
use patrol_model::{
    Entry, EntryKind, PostArrival, PostCrew, PostDeparture, PostId, Record, VisitEvidence,
    validate_code,
};

impl Store {
    /// Check in at `post_id` with the crew holding it, linked to the running patrol if there
    /// is one. The crew is kept as given; HQ counts it as a deployment of its own only for a
    /// check-in outside a patrol (a patrol's stop is the patrol's crew, counted at its start).
    ///
    /// Errors: [`Error::UnknownPost`] when the device has reference data without that post,
    /// [`Error::AlreadyOnPost`] when this device's visit to it is open.
    pub fn arrive_at_post(
        &mut self,
        post_id: PostId,
        crew: PostCrew,
        evidence: VisitEvidence,
        capture: Capture,
    ) -> Result<Entry> {
        self.check_in(post_id, crew, evidence, capture, true)
    }

    /// Check out of `post_id`, linked to the running patrol if there is one.
    ///
    /// Errors: [`Error::UnknownPost`] as for arriving, [`Error::NotOnPost`] when this device
    /// has no open visit to it.
    pub fn leave_post(
        &mut self,
        post_id: PostId,
        evidence: VisitEvidence,
        capture: Capture,
    ) -> Result<Entry> {
        self.check_in(post_id, PostCrew::default(), evidence, capture, false)
    }

    fn check_in(
        &mut self,
        post_id: PostId,
        crew: PostCrew,
        evidence: VisitEvidence,
        capture: Capture,
        arriving: bool,
    ) -> Result<Entry> {
        validate_code("post_id", post_id.as_str())?;
        if let Some(city) = self.city()?
            && !city.posts.iter().any(|p| p.id == post_id)
        {
            return Err(Error::UnknownPost(post_id));
        }
        let tx = self.write_tx()?;
        // Read inside the write transaction: the answer cannot change before the append.
        let standing = self.standing(&[EntryKind::PostArrived, EntryKind::PostLeft])?;
        let on_post = views::open_post_ids(&standing).contains(&post_id);
        let patrol_id = self.open_patrol()?.map(|p| p.patrol_id);
        let record = match (arriving, on_post) {
            (true, true) => return Err(Error::AlreadyOnPost(post_id)),
            (false, false) => return Err(Error::NotOnPost(post_id)),
            (true, false) => Record::PostArrived(PostArrival {
                post_id,
                crew,
                patrol_id,
                evidence,
            }),
            (false, true) => Record::PostLeft(PostDeparture {
                post_id,
                patrol_id,
                evidence,
            }),
        };
        record.validate()?;
        let entry = self.append_in(&tx, &[record], capture)?.remove(0);
        tx.commit()?;
        Ok(entry)
    }
}
