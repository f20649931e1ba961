import { registry } from "@web/core/registry";

/**
 * The accountant opens the parallel run after its nights: the days with their verdicts, the day that was
 * not clean with its resolution, the exit rule met; then the graph of the unexplained difference per day.
 * The test (tests/test_parallel_run.py) runs the nights.
 */
registry.category("web_tour.tours").add("quickbooks_parallel_run_tour", {
    steps: () => [
        {
            content: "The exit rule is met",
            trigger: ".alert-success:contains(Ready to switch)",
        },
        {
            content: "The day that was not clean says how it was resolved",
            trigger: ".o_field_widget[name=day_ids] .o_data_row:contains(voided there)",
        },
        {
            content: "Sign off is offered",
            trigger: "button[name=action_sign_off]",
        },
    ],
});
