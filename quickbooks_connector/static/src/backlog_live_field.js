/** @odoo-module **/
// The number of documents waiting for QuickBooks, on the connection form: while some are waiting, the
// form reloads the connection every few seconds, so that the progress moves while the user watches.
import { onMounted, onWillUnmount } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { IntegerField, integerField } from "@web/views/fields/integer/integer_field";

export const REFRESH_MS = 3000;

export class BacklogLiveField extends IntegerField {
    static template = IntegerField.template;

    setup() {
        super.setup();
        let timer = null;
        const refresh = async () => {
            const record = this.props.record;
            if (record.data[this.props.name] > 0 && !record.dirty && !record.isNew) {
                await record.load();
            }
        };
        onMounted(() => {
            timer = setInterval(refresh, REFRESH_MS);
        });
        onWillUnmount(() => clearInterval(timer));
    }
}

registry.category("fields").add("quickbooks_backlog_live", { ...integerField, component: BacklogLiveField });
