/* SPDX-License-Identifier: MIT */
/* The back-office's words in Swedish (default) and English. */
#include "web_int.h"

static const char *const msgs[M_COUNT][2] = {
    [M_TITLE] = {"Blippa – närvaro", "Blippa – attendance"},
    [M_LOGIN] = {"Logga in", "Sign in"},
    [M_USERNAME] = {"Användarnamn", "User name"},
    [M_PASSWORD] = {"Lösenord", "Password"},
    [M_SIGN_IN] = {"Logga in", "Sign in"},
    [M_SIGN_OUT] = {"Logga ut", "Sign out"},
    [M_BAD_LOGIN] = {"Fel användarnamn eller lösenord.", "Wrong user name or password."},
    [M_THROTTLED] = {"För många försök. Vänta en stund och försök igen.",
		     "Too many attempts. Wait a while and try again."},
    [M_OVERVIEW] = {"Översikt", "Overview"},
    [M_GROUPS] = {"Grupper", "Groups"},
    [M_GROUP] = {"Grupp", "Group"},
    [M_PERIOD] = {"Period", "Period"},
    [M_HELD] = {"Genomförda pass", "Sessions held"},
    [M_MEAN] = {"Snittnärvaro", "Mean attendance"},
    [M_HALF] = {"Minst hälften", "At least half"},
    [M_MEMBERS] = {"Deltagare", "Participants"},
    [M_NO_GROUPS] = {"Inga grupper.", "No groups."},
    [M_PARTICIPANT] = {"Deltagare", "Participant"},
    [M_ATTENDED] = {"Närvaro", "Attended"},
    [M_OF] = {"av", "of"},
    [M_FOLLOW_UP] = {"Att följa upp", "Follow up"},
    [M_FOLLOW_UP_NONE] = {"Ingen har missat sina två senaste pass.",
			  "Nobody missed their last two sessions."},
    [M_FOLLOW_UP_HINT] = {"Missade de två senaste passen:", "Missed the last two sessions:"},
    [M_LEGEND] = {"Teckenförklaring", "Legend"},
    [M_CARD] = {"kort", "card"},
    [M_NAME] = {"namn", "name"},
    [M_LEADER] = {"ledare", "leader"},
    [M_ABSENT] = {"frånvarande", "absent"},
    [M_LEFT] = {"lämnat gruppen", "left the group"},
    [M_CORRECTED] = {"rättad", "corrected"},
    [M_EXPORT] = {"Exportera", "Export"},
    [M_CSV] = {"CSV", "CSV"},
    [M_XLSX] = {"Excel (.xlsx)", "Excel (.xlsx)"},
    [M_FROM] = {"Från", "From"},
    [M_TO] = {"Till", "To"},
    [M_SESSION] = {"Pass", "Session"},
    [M_STATUS] = {"Status", "Status"},
    [M_PRESENT] = {"närvarande", "present"},
    [M_NOT_PRESENT] = {"inte närvarande", "not present"},
    [M_REASON] = {"Orsak", "Reason"},
    [M_CORRECT] = {"Rätta närvaro", "Correct attendance"},
    [M_CORRECTION] = {"Rättelse", "Correction"},
    [M_SAVE] = {"Spara", "Save"},
    [M_FORBIDDEN] = {"Du har inte behörighet till den här sidan.", "You may not see this page."},
    [M_NOT_FOUND] = {"Sidan finns inte.", "No such page."},
    [M_BACK] = {"Till översikten", "Back to the overview"},
    [M_ROLE_ADMIN] = {"administratör", "administrator"},
    [M_ROLE_COORDINATOR] = {"samordnare", "coordinator"},
    [M_ROLE_VIEWER] = {"läsbehörighet", "read-only"},
    [M_CURRENT] = {"pågår", "running"},
    [M_ENDED] = {"avslutad", "ended"},
    [M_UPCOMING] = {"kommande", "upcoming"},
    [M_VOIDED] = {"ej närvarande (rättad)", "not present (corrected)"},
    [M_SHOW_CURRENT] = {"Pågående", "Current"},
    [M_SHOW_PAST] = {"Avslutade", "Past"},
    [M_SHOW_UPCOMING] = {"Kommande", "Upcoming"},
    [M_LANG_OTHER] = {"English", "Svenska"},
};

const char *web_msg(enum web_lang lang, enum web_msg m)
{
	if ((unsigned)m >= M_COUNT)
		return "";
	const char *s = msgs[m][lang == WEB_EN ? 1 : 0];
	return s ? s : "";
}
