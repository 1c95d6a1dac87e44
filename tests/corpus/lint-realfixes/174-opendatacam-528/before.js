const cloneDeep = require('lodash.clonedeep');
const { EventEmitter } = require('events');

const COUNTING_DIRECTION = {
  LEFTRIGHT_TOPBOTTOM: 'leftright_topbottom',
  RIGHTLEFT_BOTTOMTOP: 'rightleft_bottomtop',
  ENTERING_ZONE: 'entering_zone',
  LEAVING_ZONE: 'leaving_zone',
};

const initialState = {
  currentFrame: 0,
  countedItemsHistory: [],
  counterBuffer: {},
  countingAreas: {},
  recordingStatus: {
    isRecording: false,
    recordingId: null,
    dateStarted: null,
  },
  eventEmitter: new EventEmitter(),
  database: null,
};

// the whole server's counting state: one per process
let Opendatacam = cloneDeep(initialState);

module.exports = {

  registerCountingAreas(countingAreas) {
    Object.keys(countingAreas).forEach((countingAreaKey) => {
      if (countingAreas[countingAreaKey]) {
        Opendatacam.countingAreas[countingAreaKey] = countingAreas[countingAreaKey];
      }
    });
  },

  // called for every tracked object that crosses a counting line, every frame
  countItem(trackedItem, countingAreaKey, frameId, countingDirection, angleWithCountingLine) {
    if (Opendatacam.recordingStatus.isRecording) {
      var countedItem = {
        frameId,
        timestamp: new Date(),
        area: countingAreaKey,
        name: trackedItem.name,
        id: trackedItem.id,
        bearing: trackedItem.bearing,
        countingDirection,
        angleWithCountingLine,
      };

      if ('lat' in trackedItem && 'lon' in trackedItem) {
        countedItem.lat = trackedItem.lat;
        countedItem.lon = trackedItem.lon;
      }

      // Add it to the history
      Opendatacam.countedItemsHistory.push(countedItem); // leak: global-growth
    }
    if (countingDirection !== COUNTING_DIRECTION.LEAVING_ZONE) {
      trackedItem.counted.push({
        areaKey: countingAreaKey,
        timeMs: new Date().getTime(),
      });
    }

    return countedItem;
  },

  // every frame, and for every dashboard client
  getCounterSummary() {
    const counterSummary = {};

    Opendatacam.countedItemsHistory.forEach((countedItem) => {
      if (!counterSummary[countedItem.area]) {
        counterSummary[countedItem.area] = {};
        counterSummary[countedItem.area]._total = 0;
      }

      if (countedItem.countingDirection !== COUNTING_DIRECTION.LEAVING_ZONE) {
        if (!counterSummary[countedItem.area][countedItem.name]) {
          counterSummary[countedItem.area][countedItem.name] = 1;
        } else {
          counterSummary[countedItem.area][countedItem.name]++;
        }
        counterSummary[countedItem.area]._total++;
      }
    });

    return counterSummary;
  },

  startRecording() {
    Opendatacam.recordingStatus.isRecording = true;
    Opendatacam.recordingStatus.dateStarted = new Date();
  },

  stopRecording() {
    Opendatacam.recordingStatus.isRecording = false;
    Opendatacam.counterBuffer = {};
    Opendatacam.countedItemsHistory = [];
  },
};
