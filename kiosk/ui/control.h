/* SPDX-License-Identifier: MIT */
/* Scripted test commands on the UI thread (control.c): the UI's share of
 * the control channel (press, click, type, screenshot, layout, ...). The
 * app (kiosk/app) takes the lines it owns (tap, void, max-pages) first. */
#ifndef BLIPPA_CONTROL_H
#define BLIPPA_CONTROL_H

struct ui;

/* Runs one control line; an unknown command is traced "control-error". */
void ui_control_run(struct ui *ui, const char *line);

#endif
