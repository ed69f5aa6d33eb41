//! A whole setup change: written in one transaction, with the ids of what it creates put in
//! place of their placeholders; a change that fails part-way stores nothing.

use super::*;
use switchboard_core::account::Role;
use switchboard_core::channel::{ChannelId, ChannelKind, NewChannel};
use switchboard_core::schedule::{Participant, ScheduleId};
use switchboard_core::setup::SetupChange;
use switchboard_core::TeamId;

fn creating(number: &str) -> Vec<SetupChange> {
    let mut schedule = weekly(UserId(-1));
    schedule.name = "Payments primary".into();
    let mut line = new_line(number, UserId(-1));
    line.name = "Payments".into();
    line.routing.steps = vec![
        RoutingStep::Schedule(ScheduleId(-1)),
        RoutingStep::Users(vec![UserId(-1), UserId(-2)]),
    ];
    line.team = Some(TeamId(-1));
    line.channels = vec![ChannelId(-1)];
    let mut channel =
        NewChannel::validate("#payments", ChannelKind::Slack, "https://hooks.slack.com/x").unwrap();
    channel.team = Some(TeamId(-1));
    vec![
        SetupChange::CreateTeam {
            placeholder: TeamId(-1),
            name: "Payments".into(),
        },
        SetupChange::CreateUser {
            placeholder: UserId(-1),
            user: new_user("Pat"),
            role: Role::Admin,
        },
        SetupChange::CreateUser {
            placeholder: UserId(-2),
            user: new_user("Quinn"),
            role: Role::Member,
        },
        SetupChange::SetMembers {
            team: TeamId(-1),
            members: vec![UserId(-1), UserId(-2)],
        },
        SetupChange::CreateSchedule {
            placeholder: ScheduleId(-1),
            schedule,
            team: Some(TeamId(-1)),
            feed_token: "feed-secret".into(),
        },
        SetupChange::CreateChannel {
            placeholder: ChannelId(-1),
            channel,
        },
        SetupChange::CreateLine {
            line,
            webhook_token: "hook-secret".into(),
        },
    ]
}

pub(super) async fn a_setup_change_is_written_whole_with_real_ids_or_not_at_all(s: Arc<dyn Store>) {
    let (alice, first) = setup(&s).await;
    let taken = s.get_line(first).await.unwrap().number;
    // The last change claims a number another line has: nothing of it may be stored.
    let failing = creating(taken.as_str());
    let err = s.apply_setup(&failing, t(0)).await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
    assert_eq!(s.list_users().await.unwrap().len(), 1, "no user was kept");
    assert!(s.list_teams().await.unwrap().is_empty());
    assert!(s.list_schedules().await.unwrap().is_empty());
    assert!(s.list_channels().await.unwrap().is_empty());
    assert_eq!(s.list_lines().await.unwrap().len(), 1);

    s.apply_setup(&creating("+14155550199"), t(0))
        .await
        .unwrap();
    let users = s.list_users().await.unwrap();
    let pat = users.iter().find(|u| u.name == "Pat").unwrap();
    let quinn = users.iter().find(|u| u.name == "Quinn").unwrap();
    assert_eq!((pat.role, quinn.role), (Role::Admin, Role::Member));
    let team = &s.list_teams().await.unwrap()[0];
    assert_eq!(team.members, vec![pat.id, quinn.id]);
    let sched = &s.list_schedules().await.unwrap()[0];
    assert_eq!(sched.team, Some(team.id));
    assert_eq!(
        sched.schedule.layers[0].participants,
        vec![Participant::User(pat.id)]
    );
    let channel = &s.list_channels().await.unwrap()[0];
    assert_eq!(channel.team, Some(team.id));
    let line = s
        .list_lines()
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.name == "Payments")
        .unwrap();
    assert_eq!(line.team, Some(team.id));
    assert_eq!(line.channels, vec![channel.id]);
    assert_eq!(
        line.routing.steps,
        vec![
            RoutingStep::Schedule(sched.id),
            RoutingStep::Users(vec![pat.id, quinn.id]),
        ]
    );
    assert_eq!(
        line.menu.unwrap().options[0].routing.steps[0],
        RoutingStep::User(pat.id)
    );
    assert_eq!(
        s.get_line_by_token("hook-secret").await.unwrap().id,
        line.id
    );

    // Deleting, in reverse order, in one change; a change that would leave no owner is
    // refused whole.
    s.set_role(alice, Role::Owner).await.unwrap();
    let deleting = vec![
        SetupChange::DeleteLine(line.id),
        SetupChange::DeleteChannel(channel.id),
        SetupChange::DeleteSchedule(sched.id),
        SetupChange::DeleteUser(pat.id),
        SetupChange::DeleteTeam(team.id),
        SetupChange::DeleteUser(alice),
    ];
    let err = s.apply_setup(&deleting, t(1)).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("no owner")),
        "{err:?}"
    );
    assert_eq!(
        s.list_lines().await.unwrap().len(),
        2,
        "nothing was deleted"
    );
    s.apply_setup(&deleting[..5], t(1)).await.unwrap();
    assert_eq!(s.list_lines().await.unwrap().len(), 1);
    assert!(s.list_teams().await.unwrap().is_empty());
    assert!(s.list_channels().await.unwrap().is_empty());
    assert_eq!(s.list_users().await.unwrap().len(), 2);
}
