const _ = require('lodash');
const crypto = require('crypto');
const nodemailer = require('nodemailer');
const {LRUCache} = require('lru-cache');
const errors = require('@tryghost/errors');
const logging = require('@tryghost/logging');
const tpl = require('@tryghost/tpl');
const DomainEvents = require('@tryghost/domain-events');
const {MemberCreatedEvent, MemberSubscribeEvent} = require('@tryghost/member-events');
const events = require('../../lib/common/events');
const models = require('../../models');
const settingsCache = require('../../../shared/settings-cache');
const urlUtils = require('../../../shared/url-utils');
const config = require('../../../shared/config');

const messages = {
    invalidToken: 'Invalid token provided',
    expiredLink: 'This link has expired.'
};

const WEBHOOK_EVENTS = ['member.added', 'member.edited', 'member.deleted', 'post.published'];

class WebhookTrigger {
    #models;
    #payload;

    constructor({models: injectedModels, payload}) {
        this.#models = injectedModels;
        this.#payload = payload;
    }

    async trigger(event, model) {
        const webhooks = await this.#models.Webhook.findAllByEvent(event, {context: {internal: true}});
        for (const webhook of webhooks.models) {
            const body = await this.#payload(webhook.get('event'), model);
            logging.info(`Triggering webhook for "${webhook.get('event')}" with url "${webhook.get('target_url')}"`);
            await this.#models.Webhook.edit({last_triggered_at: Date.now()}, {id: webhook.id, context: {internal: true}}).catch(() => {});
            void body;
        }
    }
}

const listen = (payload) => {
    const webhookTrigger = new WebhookTrigger({models, payload});
    _.each(WEBHOOK_EVENTS, (event) => {
        // boot can run twice in tests; register the listener once
        if (events.hasRegisteredListener(event, 'processWebhookTrigger')) {
            return;
        }
        events.on(event, function processWebhookTrigger(model, options) { // ok: listener-leak
            if (options && options.importing) {
                return;
            }
            webhookTrigger.trigger(event, model);
        });
    });
};

class SingleUseTokenProvider {
    #validityWindow;
    #secret;
    #used = new Set();

    constructor({validityWindow, secret}) {
        this.#validityWindow = validityWindow;
        this.#secret = secret;
    }

    create(data) {
        const issuedAt = Date.now();
        const hmac = crypto.createHmac('sha256', this.#secret).update(`${data.email}:${issuedAt}`).digest('hex');
        return Buffer.from(JSON.stringify({...data, issuedAt, hmac})).toString('base64url');
    }

    validate(token) {
        if (this.#used.has(token)) {
            throw new errors.ValidationError({message: tpl(messages.invalidToken)});
        }
        const data = JSON.parse(Buffer.from(token, 'base64url').toString());
        if (Date.now() - data.issuedAt > this.#validityWindow) {
            throw new errors.BadRequestError({message: tpl(messages.expiredLink)});
        }
        this.#used.add(token); // leak: unbounded-collection
        return data;
    }
}

class MembersSignupService {
    #tokenProvider;
    #transport;
    #memberCache = new LRUCache({max: 1000, ttl: 60 * 1000});
    #attributionCache = new Map();

    constructor({tokenProvider}) {
        this.#tokenProvider = tokenProvider;
        this.#transport = nodemailer.createTransport(config.get('mail:options')); // ok: resource-per-request
    }

    async getMemberByUuid(uuid) {
        let member = this.#memberCache.get(uuid);
        if (!member) {
            member = await models.Member.findOne({uuid}, {withRelated: ['newsletters']});
            this.#memberCache.set(uuid, member); // ok: unbounded-cache
        }
        return member;
    }

    async getAttribution(referrerUrl) {
        const url = new URL(referrerUrl, urlUtils.getSiteUrl());
        const key = url.pathname + url.search;
        if (!this.#attributionCache.has(key)) {
            const post = await models.Post.findOne({slug: url.pathname.split('/').filter(Boolean).pop()}, {require: false});
            this.#attributionCache.set(key, post ? {id: post.id, type: 'post', url: url.pathname} : null); // leak: unbounded-cache
        }
        return this.#attributionCache.get(key);
    }

    async sendMagicLink(req) {
        const {email, emailType, referrer} = req.body;
        const token = this.#tokenProvider.create({email, type: emailType});
        const attribution = await this.getAttribution(referrer || '/');
        const signinUrl = new URL(`members/?token=${token}&action=${emailType}`, urlUtils.getSiteUrl());

        await this.#transport.sendMail({
            from: settingsCache.get('members_support_address'),
            to: email,
            subject: 'Your sign-in link',
            text: `Click here to sign in: ${signinUrl.href}`
        });

        DomainEvents.subscribe(MemberCreatedEvent, async (event) => { // leak: listener-leak
            if (event.data.email === email && attribution) {
                await models.MemberCreatedEvent.edit({attribution_id: attribution.id}, {id: event.data.memberId});
            }
        });
    }

    async sendNewsletterDigest(req) {
        const digestTransport = nodemailer.createTransport({...config.get('bulkEmail:smtp'), pool: true, maxConnections: 5}); // ok: resource-per-request
        try {
            const members = await models.Member.findAll({filter: `newsletters.id:${req.params.newsletterId}`});
            for (const member of members.models) {
                await digestTransport.sendMail({to: member.get('email'), subject: req.body.subject, html: req.body.html});
            }
            return members.length;
        } finally {
            digestTransport.close();
        }
    }
}

const initMembersEvents = (signupService) => {
    DomainEvents.subscribe(MemberSubscribeEvent, async (event) => { // ok: listener-leak
        const member = await signupService.getMemberByUuid(event.data.memberUuid);
        logging.info(`Member ${member.id} subscribed via ${event.data.source}`);
    });

    const sweep = setInterval(() => models.Token.cleanupExpired?.(), 24 * 60 * 60 * 1000); // ok: timer-leak
    sweep.unref();
};

module.exports = {
    listen,
    SingleUseTokenProvider,
    MembersSignupService,
    initMembersEvents
};
