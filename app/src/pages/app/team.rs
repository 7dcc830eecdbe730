//! Team (admin+): members, roles, invitations and password resets. Links go by mail to
//! the person they are for and are never shown here. The server enforces every rule; the
//! page only offers what the signed-in role may do.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::{
        app_chrome::{role_label, SessionResource},
        form::FormError,
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
    view! {
        <Title text="Team" />
        <h1>"Team"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading team…"</p> }>
            {move || Suspend::new(async move {
                let my_role = session.await.ok().flatten().map(|s| s.role).unwrap_or(Role::Staff);
                let pending = invitations.await.unwrap_or_default();
                match members.await {
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(members) => view! { <TeamManager my_role members pending /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Invitations, members and what the signed-in role may do to them. Each action runs
/// without a reload (showing its error or the address a link was mailed to) and then
/// refetches both lists.
#[island]
pub fn TeamManager(my_role: Role, members: Vec<MemberView>, pending: Vec<InvitationView>) -> impl IntoView {
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
            <FormError result=add.value() />
            <LinkSent result=add.value() what="Invitation sent to" />
        </section>
        {move || view! { <PendingInvitations pending=pending.get() my_role revoke /> }}
        <FormError result=change.value() />
        <FormError result=remove.value() />
        <FormError result=reset.value() />
        <LinkSent result=reset.value() what="A link to set a new password was emailed to" />
        <table class="table">
            <thead>
                <tr><th>"Member"</th><th>"Role"</th><th>"Status"</th><th>"Actions"</th></tr>
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
    view! {
        <tr>
            <td>{m.email.clone()}{m.is_you.then_some(" (you)")}</td>
            <td>{role_label(m.role)}</td>
            <td>{if m.active { "Active" } else { "No password set" }}</td>
            <td class="row-actions">
                {manageable.then(|| {
                    let (a, b, c) = (id.clone(), id.clone(), id.clone());
                    view! {
                        <ActionForm action=change attr:class="inline-form">
                            <input type="hidden" name="user_id" value=a />
                            <RoleSelect my_role current=m.role />
                            <button type="submit" class="button button-small button-ghost">"Change role"</button>
                        </ActionForm>
                        <ActionForm action=reset attr:class="inline-form">
                            <input type="hidden" name="user_id" value=b />
                            <button type="submit" class="button button-small button-ghost">"Reset password"</button>
                        </ActionForm>
                        <ActionForm action=remove attr:class="inline-form">
                            <input type="hidden" name="user_id" value=c />
                            <button type="submit" class="button button-small button-danger">"Remove"</button>
                        </ActionForm>
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
                <table class="table">
                    <thead>
                        <tr><th>"Email"</th><th>"Role"</th><th>"Expires"</th><th>"Actions"</th></tr>
                    </thead>
                    <tbody>
                        {pending
                            .into_iter()
                            .map(|i| {
                                let manageable = my_role.can_manage_role(i.role);
                                let id = i.id.clone();
                                view! {
                                    <tr>
                                        <td>{i.email.clone()}</td>
                                        <td>{role_label(i.role)}</td>
                                        <td>{format!("in {} h", i.expires_in_hours)}</td>
                                        <td class="row-actions">
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
