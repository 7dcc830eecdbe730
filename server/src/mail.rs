//! Outbound mail (invitations, set-password links): the SMTP client and the worker that
//! drains the mail outbox. Without `CALLSNARE_SMTP_URL` no worker runs and mail waits in
//! the outbox for the operator (`callsnare mail list`).

pub mod smtp;
pub mod worker;
