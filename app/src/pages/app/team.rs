//! Team (admin+): members, roles, set-password links. The server enforces every rule; the
//! page only offers what the signed-in role may do.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::{
        app_chrome::{role_label, SessionResource},
        form::FormError,
    },
    domain::Role,
    error::AppError,
    models::{MemberView, PasswordLinkView},
    server_fns::team::{list_members, AddMember, ChangeMemberRole, RemoveMember, ResetMemberPassword},
};

#[component]
pub fn TeamPage() -> impl IntoView {
    let session = expect_context::<SessionResource>();
    let add = ServerAction::<AddMember>::new();
    let change = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let reset = ServerAction::<ResetMemberPassword>::new();
    let members = Resource::new(
        move || {
            (
                add.version().get(),
                change.version().get(),
                remove.version().get(),
                reset.version().get(),
            )
        },
        |_| list_members(),
    );
    view! {
        <Title text="Team" />
        <h1>"Team"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading team…"</p> }>
            {move || Suspend::new(async move {
                let my_role = session.await.ok().flatten().map(|s| s.role).unwrap_or(Role::Staff);
                match members.await {
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(list) => view! {
                        <section class="card">
                            <h2>"Add a member"</h2>
                            <p class="muted small">
                                "New members get a one-time link to set their password. Pass it on yourself; it expires in 72 hours."
                            </p>
                            <ActionForm action=add attr:class="inline-form">
                                <label>"Email" <input type="email" name="email" required /></label>
                                <RoleSelect my_role current=Role::Staff />
                                <button type="submit" class="button">"Add member"</button>
                            </ActionForm>
                            <FormError result=add.value() />
                            <LinkOnce result=add.value() />
                        </section>
                        <FormError result=change.value() />
                        <FormError result=remove.value() />
                        <FormError result=reset.value() />
                        <LinkOnce result=reset.value() />
                        <table class="table">
                            <thead>
                                <tr><th>"Member"</th><th>"Role"</th><th>"Status"</th><th>"Actions"</th></tr>
                            </thead>
                            <tbody>
                                {list
                                    .into_iter()
                                    .map(|m| view! { <MemberRow m my_role change remove reset /> })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
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
            <td>{if m.active { "Active" } else { "Invited" }}</td>
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

/// Shows a freshly issued set-password link once; it is never fetched again.
#[component]
fn LinkOnce(#[prop(into)] result: Signal<Option<Result<PasswordLinkView, AppError>>>) -> impl IntoView {
    move || {
        result.with(|r| match r {
            Some(Ok(v)) => Some(match &v.link {
                Some(link) => view! {
                    <div class="secret-once" role="status">
                        <p>{format!("Set-password link for {} (shown once, valid {} hours):", v.email, v.expires_in_hours)}</p>
                        <input type="text" readonly value=link.clone() aria-label="Set-password link" />
                    </div>
                }
                .into_any(),
                None => view! {
                    <p class="form-ok" role="status">{format!("{} already has an account and was added.", v.email)}</p>
                }
                .into_any(),
            }),
            _ => None,
        })
    }
}
