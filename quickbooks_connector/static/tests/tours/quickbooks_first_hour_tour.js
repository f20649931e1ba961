import { registry } from "@web/core/registry";

/**
 * A new accountant's first hour: connect the company from the settings, map the chart of accounts
 * (only the certain proposals are taken at once), send the period's invoices, watch the connection say
 * how far they got, look at the dashboard, then reconcile the books. The test
 * (tests/test_tour.py) posts the invoices and runs the jobs as they are queued.
 */
registry.category("web_tour.tours").add("quickbooks_first_hour_tour", {
    url: "/odoo/action-account.action_account_config",
    steps: () => [
        {
            content: "Connect to QuickBooks from the settings",
            trigger: "#quickbooks_connection button[name=action_quickbooks_connect]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back from QuickBooks: connected",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Connected)",
        },
        {
            content: "Map the accounts",
            trigger: ".o_form_view button[name=action_open_mapping_wizard]",
            run: "click",
        },
        {
            content: "The wizard says which accounts need a decision",
            trigger: ".modal .o_field_widget[name=check_count]",
        },
        {
            content: "and proposes the receivable account with certainty",
            trigger: ".modal .o_data_row:contains(Account Receivable):contains(Accounts Receivable (A/R))",
        },
        {
            content: "Accept the certain proposals",
            trigger: ".modal button[name=action_accept_proposals]",
            run: "click",
        },
        {
            content: "Save the mappings",
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_notification:contains(account mapping(s) saved)",
        },
        {
            content: "Send the period's documents to QuickBooks",
            trigger: "body",
            run() {
                window.location.href = "/odoo/action-quickbooks_connector.action_quickbooks_bulk_push_wizard";
            },
            expectUnloadPage: true,
        },
        {
            content: "The wizard counts the documents to send",
            trigger: ".o_field_widget[name=move_count]:contains(3)",
        },
        {
            content: "Send them",
            trigger: "button[name=action_push]",
            run: "click",
        },
        {
            content: "The connection says the push finished, and how",
            trigger: ".o_form_view .o_field_widget[name=backlog_summary]:contains(Finished: 3 sent, 0 failed)",
        },
        {
            content: "Open the dashboard",
            trigger: "body",
            run() {
                window.location.href = "/odoo/action-quickbooks_connector.action_quickbooks_dashboard";
            },
            expectUnloadPage: true,
        },
        {
            content: "The company's card counts what is synced: the three invoices and their customer",
            trigger: ".o_kanban_record .o_quickbooks_done:contains(4)",
        },
        {
            content: "with nothing failed",
            trigger: ".o_kanban_record .o_quickbooks_failed:contains(0):not(.text-danger)",
        },
        {
            content: "Reconcile now",
            trigger: "body",
            run() {
                window.location.href = "/odoo/action-quickbooks_connector.action_quickbooks_reconcile_now";
            },
            expectUnloadPage: true,
        },
        {
            content: "The books match",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Match)",
        },
    ],
});
