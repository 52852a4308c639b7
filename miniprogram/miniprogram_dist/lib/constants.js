'use strict';

/** The literal formId WeChat DevTools hands out; it can never be used to send a message. */
var MOCK_FORM_ID = 'the formId is a mock one';

/** A formId (form submit) or prepay_id (payment) can be used for 7 days after it was produced. */
var FORM_ID_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Most ids the console accepts in one POST /formids request. */
var MAX_IDS_PER_REQUEST = 100;

/** Most template ids one wx.requestSubscribeMessage call accepts (errCode 20003 above it). */
var MAX_TEMPLATE_IDS_PER_CALL = 3;

module.exports = {
  MOCK_FORM_ID: MOCK_FORM_ID,
  FORM_ID_TTL_MS: FORM_ID_TTL_MS,
  MAX_IDS_PER_REQUEST: MAX_IDS_PER_REQUEST,
  MAX_TEMPLATE_IDS_PER_CALL: MAX_TEMPLATE_IDS_PER_CALL
};
