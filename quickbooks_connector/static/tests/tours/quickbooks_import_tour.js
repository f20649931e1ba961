import { registry } from "@web/core/registry";

/**
 * Moving to Odoo: from the connection, a manager imports the QuickBooks company step by step: reads its chart
 * of accounts and reviews the matches, confirms, reviews the customers, vendors and products, imports the
 * open documents, then enters the opening balances. The test (tests/test_import_tour.py) fills QuickBooks
 * with the emulator's sample company.
 */
registry.category("web_tour.tours").add("quickbooks_import_tour", {
    steps: () => [
        {
            content: "Start the import from the connection",
            trigger: "button[name=action_open_import]",
            run: "click",
        },
        {
            content: "Read QuickBooks' chart of accounts",
            trigger: "button[name=action_read_chart]",
            run: "click",
        },
        {
            content: "QuickBooks' receivable is Odoo's receivable",
            trigger: ".o_field_widget[name=account_line_ids] .o_data_row:contains(Accounts Receivable (A/R)):contains(Only account of its type)",
        },
        {
            content: "an account Odoo does not have yet is proposed as new",
            trigger: ".o_field_widget[name=account_line_ids] .o_data_row:contains(Software subscriptions):contains(New in Odoo)",
        },
        {
            content: "Confirm the accounts",
            trigger: "button[name=action_confirm_accounts]",
            run: "click",
        },
        {
            content: "Review the customers",
            trigger: ".o_notebook .nav-link:contains(Customers)",
            run: "click",
        },
        {
            content: "QuickBooks' customers are new in Odoo",
            trigger: ".o_field_widget[name=customer_line_ids] .o_data_row:contains(@example.com):contains(New in Odoo)",
        },
        {
            content: "Confirm, and import the open documents",
            trigger: "button[name=action_confirm_parties]",
            run: "click",
        },
        {
            content: "Every open document is in",
            trigger: ".o_field_widget[name=documents_progress]:contains(100)",
        },
        {
            content: "Enter the opening balances",
            trigger: "button[name=action_opening_balances]",
            run: "click",
        },
        {
            content: "The import is done and says so",
            trigger: ".o_field_widget[name=summary]:contains(clearing account)",
        },
    ],
});
