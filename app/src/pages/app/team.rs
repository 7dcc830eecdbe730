//! Team (admin+): members, roles, invitations and password resets. Links go by mail to
//! the person they are for and are never shown here. The server enforces every rule; the
//! page only offers what the signed-in role may do.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{
        app_chrome::{role_label, SessionResource},
        form::{url_form_error, FormError},
        hydrated::mark_hydrated,
        live::Latest,
    },
    domain::{limits::EMAIL_MAX, Role},
    error::AppError,
    models::{InvitationView, MemberView, PasswordLinkView},
    server_fns::team::{
        list_invitations, list_members, AddMember, ChangeMemberRole, RemoveMember, ResetMemberPassword,
        RevokeInvitation,
    },
};

/// Loads the team on the server; a role that may not manage staff gets the refusal and
/// nothing else. The lists and their actions are the [`TeamManager`] island.
#[component]
pub fn TeamPage() -> impl IntoView {
    let session = expect_context::<SessionResource>();
    let invitations = Resource::new(|| (), |_| list_invitations());
    let members = Resource::new(|| (), |_| list_members());
    // A form posted before the wasm loaded (or without JavaScript) that came back refused.
    let refused = use_query_map()
        .with_untracked(|q| q.get("form_for"))
        .filter(|f| f.starts_with("team/"))
        .and_then(|endpoint| url_form_error(&endpoint).map(|message| (endpoint, message.to_owned())));
    view! {
        <Title text="Team" />
        <h1>"Team"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading team…"</p> }>
            {move || {
                let refused = refused.clone();
                Suspend::new(async move {
                    let my_role = session.await.ok().flatten().map(|s| s.role).unwrap_or(Role::Staff);
                    let pending = invitations.await.unwrap_or_default();
                    match members.await {
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(members) => view! { <TeamManager my_role members pending refused /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Invitations, members and what the signed-in role may do to them. Each action runs
/// without a reload (showing its error or the address a link was mailed to) and then
/// refetches both lists.
#[island]
pub fn TeamManager(
    my_role: Role,
    members: Vec<MemberView>,
    pending: Vec<InvitationView>,
    /// A plain post that came back refused: (endpoint, message), shown by its form.
    refused: Option<(String, String)>,
) -> impl IntoView {
    mark_hydrated();
    let add = ServerAction::<AddMember>::new();
    let change = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let reset = ServerAction::<ResetMemberPassword>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let members = RwSignal::new(members);
    let pending = RwSignal::new(pending);
    let (latest_members, latest_pending) = (Latest::new(), Latest::new());
    Effect::watch(
        move || {
            (
                add.version().get(),
                change.version().get(),
                remove.version().get(),
                reset.version().get(),
                revoke.version().get(),
            )
        },
        move |_, _, _| {
            latest_members.run(list_members(), move |r| {
                if let Ok(list) = r {
                    members.set(list);
                }
            });
            latest_pending.run(list_invitations(), move |r| {
                if let Ok(list) = r {
                    pending.set(list);
                }
            });
        },
        false,
    );
    view! {
        <section class="card">
            <h2>"Invite a member"</h2>
            <p class="muted small">
                "We email them a link to join; they become a member once they accept it. The link expires in 72 hours."
            </p>
            <ActionForm action=add attr:class="inline-form">
                <label>"Email" <input type="email" name="email" maxlength=EMAIL_MAX required /></label>
                <RoleSelect my_role current=Role::Staff />
                <button type="submit" class="button">"Send invitation"</button>
            </ActionForm>
            {refused_for(&refused, &["team/add"])}
            <FormError result=add.value() />
            <LinkSent result=add.value() what="Invitation sent to" />
        </section>
        {refused_for(&refused, &["team/revoke_invite"])}
        {move || view! { <PendingInvitations pending=pending.get() my_role revoke /> }}
        {refused_for(&refused, &["team/change_role", "team/remove", "team/reset_password"])}
        <FormError result=change.value() />
        <FormError result=remove.value() />
        <FormError result=reset.value() />
        <LinkSent result=reset.value() what="A link to set a new password was emailed to" />
        <table class="table team-table">
            <thead>
                <tr><th scope="col">"Member"</th><th scope="col">"Role"</th><th scope="col">"Status"</th><th scope="col">"Actions"</th></tr>
            </thead>
            <tbody>
                {move || {
                    members
                        .get()
                        .into_iter()
                        .map(|m| view! { <MemberRow m my_role change remove reset /> })
                        .collect_view()
                }}
            </tbody>
        </table>
    }
}

/// The refused plain post's message when it was posted to one of `endpoints`.
fn refused_for(refused: &Option<(String, String)>, endpoints: &[&str]) -> Option<impl IntoView> {
    let (_, message) = refused.as_ref().filter(|(e, _)| endpoints.contains(&e.as_str()))?;
    let message = message.clone();
    Some(view! { <p class="form-error" role="alert">{message}</p> })
}

#[component]
fn MemberRow(
    m: MemberView,
    my_role: Role,
    change: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveMember>,
    reset: ServerAction<ResetMemberPassword>,
) -> impl IntoView {
    let manageable = my_role.can_manage_role(m.role);
    let id = m.user_id.clone();
    let email = m.email.clone();
    view! {
        <tr>
            <td data-label="Member" class="team-member">{m.email.clone()}{m.is_you.then_some(" (you)")}</td>
            <td data-label="Role">{role_label(m.role)}</td>
            <td data-label="Status">{if m.active { "Active" } else { "No password set" }}</td>
            <td data-label="Actions">
                // A menu, so the table fits a phone; removing asks once more inside it.
                {manageable.then(|| {
                    let (a, b, c) = (id.clone(), id.clone(), id.clone());
                    view! {
                        <details class="menu">
                            <summary class="button button-small button-ghost">"Actions"</summary>
                            <div class="menu-body">
                                <ActionForm action=change attr:class="inline-form">
                                    <input type="hidden" name="user_id" value=a />
                                    <RoleSelect my_role current=m.role />
                                    <button type="submit" class="button button-small button-ghost">"Change role"</button>
                                </ActionForm>
                                <ActionForm action=reset attr:class="inline-form">
                                    <input type="hidden" name="user_id" value=b />
                                    <button type="submit" class="button button-small button-ghost">"Reset password"</button>
                                </ActionForm>
                                <details class="confirm">
                                    <summary class="button button-small button-danger">"Remove…"</summary>
                                    <ActionForm action=remove attr:class="confirm-body">
                                        <input type="hidden" name="user_id" value=c />
                                        <p class="small">
                                            {format!("{email} loses access to this organisation at once; the leads and history stay.")}
                                        </p>
                                        <button type="submit" class="button button-small button-danger">
                                            {format!("Yes, remove {email}")}
                                        </button>
                                    </ActionForm>
                                </details>
                            </div>
                        </details>
                    }
                })}
            </td>
        </tr>
    }
}

#[component]
fn RoleSelect(my_role: Role, current: Role) -> impl IntoView {
    let options = [Role::Staff, Role::Admin, Role::Owner]
        .into_iter()
        .filter(move |r| my_role.can_manage_role(*r));
    view! {
        <label>
            "Role"
            <select name="role">
                {options
                    .map(|r| view! { <option value=r.as_str() selected=r == current>{role_label(r)}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}

/// Invitations sent but not yet accepted, each with a way to withdraw it.
#[component]
fn PendingInvitations(
    pending: Vec<InvitationView>,
    my_role: Role,
    revoke: ServerAction<RevokeInvitation>,
) -> impl IntoView {
    (!pending.is_empty()).then(|| {
        view! {
            <section class="card">
                <h2>"Pending invitations"</h2>
                <FormError result=revoke.value() />
                <table class="table team-table">
                    <thead>
                        <tr><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Expires"</th><th scope="col">"Actions"</th></tr>
                    </thead>
                    <tbody>
                        {pending
                            .into_iter()
                            .map(|i| {
                                let manageable = my_role.can_manage_role(i.role);
                                let id = i.id.clone();
                                view! {
                                    <tr>
                                        <td data-label="Email" class="team-member">{i.email.clone()}</td>
                                        <td data-label="Role">{role_label(i.role)}</td>
                                        <td data-label="Expires">{format!("in {} h", i.expires_in_hours)}</td>
                                        <td data-label="Actions" class="row-actions">
                                            {manageable.then(|| view! {
                                                <ActionForm action=revoke attr:class="inline-form">
                                                    <input type="hidden" name="invitation_id" value=id />
                                                    <button type="submit" class="button button-small button-danger">"Revoke"</button>
                                                </ActionForm>
                                            })}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </section>
        }
    })
}

/// Confirms that a link was mailed, naming only the address: the link itself is for its
/// recipient and is never shown here.
#[component]
fn LinkSent(
    #[prop(into)] result: Signal<Option<Result<PasswordLinkView, AppError>>>,
    what: &'static str,
) -> impl IntoView {
    move || {
        result.with(|r| match r {
            Some(Ok(v)) => Some(view! {
                <p class="form-ok" role="status">
                    {format!("{what} {}. The link expires in {} hours.", v.email, v.expires_in_hours)}
                </p>
            }),
            _ => None,
        })
    }
}
