//! Public documentation: how CallSnare keeps an office's account and its customers safe.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SecurityDocPage() -> impl IntoView {
    view! {
        <Title text="Security" />
        <article class="doc">
            <p class="eyebrow">"Docs / Security"</p>
            <h1>"Your office controls the account. Every callback is checked. Important activity leaves a record."</h1>
            <p class="lede">
                "Anyone can read how CallSnare works. Changing anything takes a signed-in team member or a narrowly scoped credential."
            </p>
            <section>
                <h2>"Access"</h2>
                <ul>
                    <li>"Owners, admins and staff sign in before they can see leads or change settings. Passwords are stored only as argon2id hashes; repeated failures are slowed down and recorded."</li>
                    <li>"Roles decide what each person can do: staff work the inbox, admins also manage routing, the team and records, owners also manage billing and other owners. Every request is checked on the server, not just hidden in the page."</li>
                    <li>"Each business only ever sees its own leads, calls and texts. Asking for another business's records gets \u{201c}not found\u{201d}."</li>
                </ul>
            </section>
            <section>
                <h2>"Provider traffic"</h2>
                <ul>
                    <li>"Calls and texts reach CallSnare as callbacks from the phone provider. In live mode every callback must carry a valid provider signature; anything unsigned, altered or oversized is refused before it can do anything. The provider's token can be rotated without turning a single call away."</li>
                    <li>"Callbacks are rate-limited and built for retries: a callback delivered twice, or a storm of retries, changes nothing twice — one missed call gets one text-back."</li>
                    <li>"A callback is acknowledged only after its evidence is safely stored. If storage is unavailable the provider is told to retry."</li>
                </ul>
            </section>
            <section>
                <h2>"Customers"</h2>
                <ul>
                    <li>"A customer who replies STOP (or says it plainly, like \u{201c}stop texting me\u{201d}) gets no more texts until they reply START."</li>
                    <li>"Withheld numbers, your own office phones and caller IDs that failed the carrier's anti-spoofing check are never texted, and nobody gets two identical text-backs for one call, not even when a server stops mid-send."</li>
                    <li>"Automated follow-ups wait for daytime in the customer's own time zone."</li>
                </ul>
            </section>
            <section>
                <h2>"Records"</h2>
                <ul>
                    <li>"Sign-ins, role and team changes, lead status changes, replies, bookings and the evidence of every provider callback are kept, so you can explain later what happened and why."</li>
                    <li>"Records hold names and ids, never passwords, tokens or secrets."</li>
                </ul>
            </section>
        </article>
    }
}
