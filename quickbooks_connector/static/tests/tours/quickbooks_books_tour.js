import { registry } from "@web/core/registry";

/**
 * The morning after: an accountant compares the books now, sees which accounts differ and why, opens a
 * difference's two ledgers side by side, keeps the unexplained lines only, then looks at the unexplained
 * difference per day (graph and pivot). The test (tests/test_books_tour.py) prepares the books: a waiting
 * invoice, a bank fee entered in Odoo only, the CPA's entry in QuickBooks and an invoice changed there.
 */
registry.category("web_tour.tours").add("quickbooks_books_tour", {
    url: "/odoo/action-quickbooks_connector.action_quickbooks_compare_books_now",
    steps: () => [
        {
            content: "The invoice changed in QuickBooks is unexplained on the receivable account",
            trigger: ".o_list_view .o_data_row:contains(1100 Accounts Receivable (A/R)):contains(Unexplained)",
        },
        {
            content: "the waiting invoice explains the rest",
            trigger: ".o_data_row:contains(1100 Accounts Receivable (A/R)):contains(Not yet in QuickBooks 500.00)",
        },
        {
            content: "The bank's difference is explained: a fee Odoo does not send, the CPA's entry",
            trigger:
                ".o_data_row:contains(1000 Checking):contains(Explained):contains(Not sent to QuickBooks):contains(Only in QuickBooks)",
        },
        {
            content: "An Odoo account mapped to nothing is listed with its balance",
            trigger: ".o_data_row:contains(Bank Charges):contains(Not mapped 7.50)",
        },
        {
            content: "Open the bank's two ledgers",
            trigger: ".o_data_row:contains(1000 Checking) button[name=action_open_ledgers]",
            run: "click",
        },
        {
            content: "QuickBooks' side lists the CPA's journal entry, linked to no Odoo record",
            trigger: ".o_field_widget[name=ledger_row_ids] .o_data_row:contains(Journal Entry):contains(-40.00)",
        },
        {
            content: "Odoo's side lists the fee's journal item",
            trigger: ".o_field_widget[name=odoo_item_ids] .o_data_row:contains(Bank fee)",
        },
        {
            content: "and the explanations name their cause",
            trigger: ".o_field_widget[name=explanation_ids] .o_data_row:contains(Only in QuickBooks)",
        },
        {
            content: "Back to the comparison",
            trigger: ".o_breadcrumb .o_back_button, .breadcrumb-item:not(.active) a",
            run: "click",
        },
        {
            content: "Open the filters",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Keep the unexplained differences only",
            trigger: ".o_filter_menu .o_menu_item:contains(Unexplained)",
            run: "click",
        },
        {
            content: "Only the unexplained lines are left",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(1000 Checking))) .o_data_row:contains(partner_a)",
        },
        {
            content: "The unexplained difference per day, as a graph",
            trigger: ".o_control_panel .o_switch_view.o_graph",
            run: "click",
        },
        {
            trigger: ".o_graph_renderer canvas",
        },
        {
            content: "and as a pivot table",
            trigger: ".o_control_panel .o_switch_view.o_pivot",
            run: "click",
        },
        {
            trigger: ".o_pivot table:contains(Trial Balance)",
        },
        {
            content: "Back to the list, every line of the run",
            trigger: ".o_control_panel .o_switch_view.o_list",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains(Unexplained)",
            run: "hover && click .o_searchview_facet:contains(Unexplained) .o_facet_remove",
        },
        {
            content: "Every account of the run again, the explained ones too",
            trigger: ".o_list_view .o_data_row:contains(1000 Checking)",
        },
    ],
});
