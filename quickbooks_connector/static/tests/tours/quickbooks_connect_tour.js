import { registry } from "@web/core/registry";

/**
 * A QuickBooks manager connects the company from the Invoicing settings: the browser goes to the
 * authorization page (Intuit, or the emulator in tests), comes back to Odoo's callback and lands
 * on the connection, which shows the QuickBooks company; the settings block then says so too.
 * The test (tests/test_tour.py) sets the company name it expects in QuickBooks.
 */
registry.category("web_tour.tours").add("quickbooks_connect_tour", {
    url: "/odoo/action-account.action_account_config",
    steps: () => [
        {
            content: "The QuickBooks block of the settings says the company is not connected",
            trigger: "#quickbooks_connection:contains(Not connected)",
        },
        {
            content: "Connect to QuickBooks: the browser leaves for the authorization page",
            trigger: "#quickbooks_connection button[name=action_quickbooks_connect]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back from QuickBooks, the connection is in the Connected state",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Connected)",
        },
        {
            content: "and names the QuickBooks company it is connected to",
            trigger: ".o_form_view .o_field_widget[name=qbo_company_name]:contains(Tour Test Company LLC)",
        },
        {
            content: "Open the settings again",
            trigger: ".o_form_view .o_field_widget[name=realm_id]:not(:empty)",
            run() {
                window.location.href = "/odoo/action-account.action_account_config";
            },
            expectUnloadPage: true,
        },
        {
            content: "The settings block shows the connected company",
            trigger: "#quickbooks_connection:has(.badge:contains(Connected)):contains(Tour Test Company LLC)",
        },
        {
            content: "and offers to map the chart of accounts",
            trigger: "#quickbooks_connection button[name=action_quickbooks_mapping_wizard]",
        },
    ],
});
